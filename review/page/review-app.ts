/**
 * The signed-in workspace: queue on the left, the case large in the middle, facts, map and the
 * decision keys on the right. State lives here; the DOM is rebuilt per region from it.
 */
import {
  REJECT_REASONS,
  VIOLATION_TYPES,
  type Case,
  type RejectReason,
  type ViolationType,
} from '../../cases/case-model.js';
import { ApiError, type ApiClient, type CategoryInfo, type Me, type MapSource } from './api-client.js';
import { CaseFeed, type FeedStatus } from './case-feed.js';
import { fill, h, isTyping, keepFocus } from './dom.js';
import { EvidenceCache } from './evidence-cache.js';
import { EvidencePanel } from './evidence-panel.js';
import {
  formatConfidence,
  formatCoordinate,
  formatDateTime,
  formatDwell,
  formatTime,
  localInputToIso,
} from './format.js';
import { dictionary, t, type Language } from './i18n.js';
import { commandFor, REASON_KEYS, type Command } from './key-commands.js';
import { likelyDuplicates } from './likely-duplicates.js';
import { drawMap, TYPE_COLOURS } from './map-view.js';
import { PendingDecisions, type Decision, type Verdict } from './pending-decisions.js';
import { ReviewQueue, type QueueFilters, type SortOrder } from './review-queue.js';

export const UNDO_WINDOW_MS = 5000;
const PAGE_SIZE = 100;
/** Load the next page when the reviewer gets this close to the end of what is loaded. */
const LOAD_AHEAD = 15;
/** With "most confident first" the order only means something over many cases. */
const CONFIDENCE_SORT_LOAD = 1000;

export interface AppContext {
  api: ApiClient;
  me: Me;
  lang: Language;
  setLanguage(lang: Language): void;
  signOut(reason?: string): void;
}

interface Toast {
  text: string;
  /** A decision still in its undo window. */
  decisionId?: number;
  tone: 'info' | 'ok' | 'warn' | 'error';
}

export class ReviewApp {
  private lang: Language;
  private readonly queue = new ReviewQueue('newest');
  private readonly pending: PendingDecisions;
  private readonly evidence: EvidenceCache;
  private readonly feed: CaseFeed;
  private categories: CategoryInfo | undefined;
  private sources: MapSource[] = [];
  private nextCursor: string | null = null;
  private loading = false;
  private loadingMore = false;
  private feedStatus: FeedStatus = 'connecting';
  private toast: Toast | undefined;
  private toastTimer: ReturnType<typeof setTimeout> | undefined;
  private helpOpen = false;
  private otherOpen = false;
  private shownCaseId: string | undefined;
  private evidenceToken = 0;
  private readonly rows = new Map<string, HTMLLIElement>();
  private readonly decidedHere = new Set<string>();
  private readonly resizeObserver: ResizeObserver;
  private readonly keyHandler = (e: KeyboardEvent): void => this.onKey(e);
  private readonly leaveHandler = (): void => this.pending.flush(true);

  // Regions.
  private readonly root: HTMLElement;
  private readonly queueHead = h('div', { class: 'queue-head' });
  private readonly queueList = h('ol', { class: 'queue-list', attrs: { role: 'listbox' } });
  private readonly caseHead = h('header', { class: 'case-head' });
  private readonly panel: EvidencePanel;
  private readonly facts = h('dl', { class: 'facts' });
  private readonly mapCanvas = h('canvas', { class: 'map', attrs: { role: 'img' } });
  private readonly keys = h('div', { class: 'keys' });
  private readonly toastArea = h('div', {
    class: 'toast-area',
    attrs: { role: 'status', 'aria-live': 'polite' },
  });
  private readonly overlay = h('div', { class: 'overlay', attrs: { hidden: true } });
  private readonly topbar = h('header', { class: 'topbar' });

  constructor(
    private readonly host: HTMLElement,
    private readonly ctx: AppContext,
  ) {
    this.lang = ctx.lang;
    this.pending = new PendingDecisions(UNDO_WINDOW_MS, (d, urgent) => void this.send(d, urgent));
    this.evidence = new EvidenceCache(ctx.api);
    this.panel = new EvidencePanel(this.lang);
    this.feed = new CaseFeed(ctx.api, {
      change: (kind, c) => this.onChange(kind, c),
      reset: () => {
        this.notify(t(this.lang, 'resetNotice'), 'warn');
        void this.reload();
      },
      status: (s) => {
        this.feedStatus = s;
        this.renderTopbar();
      },
      poll: async () => (await this.ctx.api.listCandidates({ ...this.query(), limit: 50 })).items,
    });
    this.root = h(
      'div',
      { class: 'workspace-root' },
      this.topbar,
      h(
        'main',
        { class: 'workspace' },
        h('section', { class: 'queue', attrs: { id: 'queue' } }, this.queueHead, this.queueList),
        h('section', { class: 'case', attrs: { id: 'case-view' } }, this.caseHead, this.panel.element),
        h('aside', { class: 'side' }, this.facts, h('div', { class: 'map-wrap' }, this.mapCanvas), this.keys),
      ),
      this.toastArea,
      this.overlay,
    );
    this.resizeObserver = new ResizeObserver(() => this.renderMap());
  }

  async start(): Promise<void> {
    this.host.replaceChildren(this.root);
    this.resizeObserver.observe(this.mapCanvas);
    document.addEventListener('keydown', this.keyHandler);
    window.addEventListener('pagehide', this.leaveHandler);
    this.renderAll();
    const [categories, sources] = await Promise.allSettled([
      this.ctx.api.categories(),
      this.ctx.api.mapSources(),
    ]);
    if (categories.status === 'fulfilled') this.categories = categories.value;
    if (sources.status === 'fulfilled') this.sources = sources.value;
    await this.reload();
    this.feed.start();
    this.renderAll();
  }

  /** Sends what is waiting and lets go of everything (sign-out). */
  stop(): void {
    this.pending.flush(true);
    this.feed.stop();
    this.evidence.clear();
    this.resizeObserver.disconnect();
    document.removeEventListener('keydown', this.keyHandler);
    window.removeEventListener('pagehide', this.leaveHandler);
    clearTimeout(this.toastTimer);
  }

  setLanguage(lang: Language): void {
    this.lang = lang;
    this.panel.setLanguage(lang);
    this.renderAll();
  }

  // ---- data ----

  private filters: QueueFilters = { types: [], source: '', from: null, to: null };

  private query(): { types: ViolationType[]; source: string; from: string | null; to: string | null } {
    return { ...this.filters };
  }

  private async reload(): Promise<void> {
    this.loading = true;
    this.renderQueue();
    try {
      const page = await this.ctx.api.listCandidates({ ...this.query(), limit: PAGE_SIZE });
      this.queue.reset(
        page.items.filter((c) => !this.pending.caseIds().has(c.id)),
        this.filters,
      );
      this.nextCursor = page.nextCursor;
      if (this.queue.sortOrder === 'confidence') await this.loadMore(CONFIDENCE_SORT_LOAD);
    } catch (err) {
      this.notify(this.errorText(err), 'error');
    } finally {
      this.loading = false;
    }
    this.renderAll();
  }

  private async loadMore(upTo = 0): Promise<void> {
    if (this.loadingMore) return;
    this.loadingMore = true;
    try {
      do {
        if (!this.nextCursor) break;
        const page = await this.ctx.api.listCandidates({
          ...this.query(),
          limit: PAGE_SIZE,
          cursor: this.nextCursor,
        });
        this.queue.addPage(page.items.filter((c) => !this.queue.isHeld(c.id)));
        this.nextCursor = page.nextCursor;
      } while (this.queue.size < upTo);
    } catch (err) {
      this.notify(this.errorText(err), 'error');
    } finally {
      this.loadingMore = false;
    }
    this.renderQueue();
    this.renderMap();
  }

  private maybeLoadMore(): void {
    if (this.nextCursor && this.queue.indexOfCurrent() >= this.queue.size - LOAD_AHEAD) void this.loadMore();
  }

  private onChange(kind: 'created' | 'updated', c: Case): void {
    if (this.queue.isHeld(c.id)) return;
    const before = this.queue.current()?.id;
    const outcome = this.queue.upsert(c, { live: kind === 'created' });
    if (outcome.removed && before === c.id && !this.decidedHere.has(c.id)) {
      this.notify(
        t(this.lang, 'decidedElsewhere', {
          what: this.caseName(c),
          who: c.decidedBy ?? '?',
          status: dictionary(this.lang).statuses[c.status],
        }),
        'warn',
      );
    }
    if (!outcome.added && !outcome.removed && before !== c.id) return;
    this.renderQueue();
    if (this.queue.current()?.id !== this.shownCaseId || before === c.id) this.renderCase();
    this.renderMap();
  }

  // ---- decisions ----

  private decide(verdict: Verdict): void {
    const marked = this.queue.marked();
    const targets =
      verdict.kind === 'reject' && marked.length > 0
        ? marked
        : [this.queue.current()].filter((c): c is Case => !!c);
    if (targets.length === 0) return;
    for (const c of targets) {
      this.queue.hold(c.id);
      this.queue.remove(c.id);
    }
    this.queue.clearMarks();
    const decision = this.pending.add(verdict, targets);
    this.notify(this.decisionText(decision), 'info', decision.id);
    this.renderAll();
    this.maybeLoadMore();
  }

  private undo(): void {
    const decision = this.pending.undoLast();
    if (!decision) return;
    // Restore in reverse so the first case of a bulk decision ends up current.
    for (const c of [...decision.cases].reverse()) this.queue.restore(c);
    this.notify(t(this.lang, 'undone', { what: this.decisionSubject(decision) }), 'ok');
    this.renderAll();
    // The copies kept may be older than the server's (a newer observation arrived meanwhile).
    for (const c of decision.cases) {
      void this.ctx.api.getCase(c.id).then(
        (fresh) => this.onChange('updated', fresh),
        () => {},
      );
    }
  }

  private async send(decision: Decision, urgent: boolean): Promise<void> {
    const v = decision.verdict;
    const results = await Promise.allSettled(
      decision.cases.map((c) => {
        this.decidedHere.add(c.id);
        return v.kind === 'confirm'
          ? this.ctx.api.confirm(c, urgent)
          : this.ctx.api.reject(c, v.reason, v.kind === 'reject' ? v.text : undefined, urgent);
      }),
    );
    if (urgent) return;
    const failed: Array<{ c: Case; err: unknown }> = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push({ c: decision.cases[i] as Case, err: r.reason });
    });
    if (failed.length === 0) {
      if (this.toast?.decisionId === decision.id)
        this.notify(`${this.toast.text} · ${t(this.lang, 'committed')}`, 'ok');
      this.renderTopbar();
      return;
    }
    for (const { c, err } of failed) await this.recover(c, err);
    this.renderAll();
  }

  /** A decision the server refused: put the case back or say who decided it. */
  private async recover(c: Case, err: unknown): Promise<void> {
    this.decidedHere.delete(c.id);
    if (err instanceof ApiError && err.status === 409) {
      try {
        const now = await this.ctx.api.getCase(c.id);
        if (now.status === 'candidate') {
          this.queue.release(c.id);
          this.queue.upsert(now);
          this.notify(t(this.lang, 'changedWhileDeciding', { what: this.caseName(c) }), 'warn');
        } else {
          this.notify(
            t(this.lang, 'decidedElsewhere', {
              what: this.caseName(c),
              who: now.decidedBy ?? '?',
              status: dictionary(this.lang).statuses[now.status],
            }),
            'warn',
          );
        }
        return;
      } catch {
        // Fall through to the generic message.
      }
    }
    this.queue.release(c.id);
    this.queue.upsert(c);
    this.notify(t(this.lang, 'commitFailed', { message: this.errorText(err) }), 'error');
  }

  private markDuplicates(): void {
    const current = this.queue.current();
    if (!current) return;
    const n = this.queue.mark(likelyDuplicates(current, this.queue.list()).map((c) => c.id));
    this.notify(
      n > 0 ? t(this.lang, 'markedDuplicates', { n }) : t(this.lang, 'noDuplicates'),
      n > 0 ? 'info' : 'warn',
    );
    this.renderQueue();
  }

  // ---- keyboard ----

  private onKey(e: KeyboardEvent): void {
    if (this.otherOpen) return;
    if (isTyping(e.target)) {
      if (e.key === 'Escape' && e.target instanceof HTMLElement) e.target.blur();
      return;
    }
    // A button reached with Tab takes Enter and Space itself.
    if (e.target instanceof HTMLButtonElement && (e.key === 'Enter' || e.key === ' ')) return;
    const command = commandFor(e);
    if (!command) return;
    if (this.helpOpen && command.kind !== 'help' && command.kind !== 'escape') return;
    e.preventDefault();
    this.run(command);
  }

  private run(command: Command): void {
    switch (command.kind) {
      case 'next':
      case 'previous':
        if (this.queue.move(command.kind === 'next' ? 1 : -1)) {
          this.renderQueue();
          this.renderCase();
          this.renderMap();
          this.maybeLoadMore();
        }
        break;
      case 'confirm':
        this.decide({ kind: 'confirm' });
        break;
      case 'reject':
        this.decide({ kind: 'reject', reason: command.reason });
        break;
      case 'rejectOther':
        this.openOther();
        break;
      case 'undo':
        this.undo();
        break;
      case 'toggleMark': {
        const c = this.queue.current();
        if (c) this.queue.toggleMark(c.id);
        this.renderQueue();
        this.renderKeys();
        break;
      }
      case 'markDuplicates':
        this.markDuplicates();
        this.renderKeys();
        break;
      case 'escape':
        if (this.helpOpen) this.closeOverlay();
        else {
          this.queue.clearMarks();
          this.renderQueue();
          this.renderKeys();
        }
        break;
      case 'zoom':
        this.panel.zoomStep(command.step);
        break;
      case 'cycleEvidence':
        this.panel.cycle(command.step);
        break;
      case 'playClip':
        this.panel.toggleClip();
        break;
      case 'help':
        if (this.helpOpen) this.closeOverlay();
        else this.openHelp();
        break;
      case 'focusFilters':
        this.topbar.querySelector<HTMLElement>('select, input')?.focus();
        break;
      case 'toggleLanguage':
        this.ctx.setLanguage(this.lang === 'zh-CN' ? 'en' : 'zh-CN');
        break;
    }
  }

  // ---- rendering ----

  private renderAll(): void {
    document.title = t(this.lang, 'title');
    this.renderTopbar();
    this.renderQueue();
    this.renderCase();
    this.renderKeys();
    this.renderMap();
    this.renderToast();
  }

  private typeName(type: ViolationType): string {
    const code = this.categories?.defaults[type];
    const configured = code ? this.categories?.items.find((i) => i.code === code)?.name : undefined;
    // Chinese reviewers see the configured category name; English shows the type in English.
    return this.lang === 'zh-CN' && configured ? configured : dictionary(this.lang).types[type];
  }

  private caseName(c: Case): string {
    return `${c.category.name} · ${c.sourceId}`;
  }

  private renderTopbar(): void {
    const d = dictionary(this.lang);
    const typeSelect = h(
      'select',
      {
        attrs: { 'aria-label': d.allTypes, name: 'type' },
        on: {
          change: (e) => {
            const value = (e.target as HTMLSelectElement).value;
            (e.target as HTMLElement).blur();
            this.filters = { ...this.filters, types: value ? [value as ViolationType] : [] };
            void this.reload();
          },
        },
      },
      h('option', { attrs: { value: '' } }, d.allTypes),
      ...VIOLATION_TYPES.map((type) =>
        h(
          'option',
          { attrs: { value: type, selected: this.filters.types[0] === type } },
          this.typeName(type),
        ),
      ),
    );
    const sourceInput = h('input', {
      attrs: {
        type: 'search',
        name: 'source',
        placeholder: d.sourcePlaceholder,
        'aria-label': d.source,
        list: 'gw-sources',
        value: this.filters.source,
        autocomplete: 'off',
      },
      on: {
        change: (e) => {
          (e.target as HTMLElement).blur();
          this.filters = { ...this.filters, source: (e.target as HTMLInputElement).value.trim() };
          void this.reload();
        },
      },
    });
    const sourceList = h(
      'datalist',
      { attrs: { id: 'gw-sources' } },
      ...this.sources.map((s) => h('option', { attrs: { value: s.id } }, s.name ?? s.id)),
    );
    const timeInput = (which: 'from' | 'to'): HTMLElement =>
      h(
        'label',
        { class: 'time' },
        h('span', null, d[which]),
        h('input', {
          attrs: { type: 'datetime-local', name: which, value: this.toLocalInput(this.filters[which]) },
          on: {
            change: (e) => {
              this.filters = {
                ...this.filters,
                [which]: localInputToIso((e.target as HTMLInputElement).value),
              };
              void this.reload();
            },
          },
        }),
      );
    const sortSelect = h(
      'select',
      {
        attrs: { name: 'sort', 'aria-label': d.sortNewest },
        on: {
          change: (e) => {
            this.queue.setOrder((e.target as HTMLSelectElement).value as SortOrder);
            (e.target as HTMLElement).blur();
            if (this.queue.sortOrder === 'confidence' && this.nextCursor)
              void this.loadMore(CONFIDENCE_SORT_LOAD);
            this.renderQueue();
          },
        },
      },
      h('option', { attrs: { value: 'newest', selected: this.queue.sortOrder === 'newest' } }, d.sortNewest),
      h(
        'option',
        { attrs: { value: 'confidence', selected: this.queue.sortOrder === 'confidence' } },
        d.sortConfidence,
      ),
    );
    const feedText = this.feedStatus === 'connecting' ? d.loading : d[this.feedStatus];
    fill(
      this.topbar,
      h('h1', { attrs: { title: d.title } }, 'Gridwatch', h('span', { class: 'sub' }, d.titleShort)),
      h(
        'form',
        { class: 'filters', attrs: { role: 'search' }, on: { submit: (e) => e.preventDefault() } },
        typeSelect,
        sourceInput,
        sourceList,
        timeInput('from'),
        timeInput('to'),
        sortSelect,
      ),
      h(
        'span',
        { class: 'feed', dataset: { status: this.feedStatus }, attrs: { id: 'feed-status' } },
        feedText,
      ),
      this.pending.size > 0
        ? h(
            'span',
            { class: 'pending', attrs: { id: 'pending-count' } },
            t(this.lang, 'pendingCount', { n: this.pending.size }),
          )
        : null,
      h(
        'span',
        { class: 'who', attrs: { title: this.ctx.me.role } },
        t(this.lang, 'signedInAs', { actor: this.ctx.me.actor }),
      ),
      keepFocus(
        h(
          'button',
          { attrs: { type: 'button', id: 'help-button' }, on: { click: () => this.openHelp() } },
          '?',
        ),
      ),
      keepFocus(
        h(
          'button',
          {
            attrs: { type: 'button', id: 'lang-button' },
            on: { click: () => this.ctx.setLanguage(this.lang === 'zh-CN' ? 'en' : 'zh-CN') },
          },
          d.language,
        ),
      ),
      keepFocus(
        h(
          'button',
          { attrs: { type: 'button', id: 'sign-out' }, on: { click: () => this.ctx.signOut() } },
          d.signOut,
        ),
      ),
    );
  }

  private toLocalInput(iso: string | null): string {
    if (!iso) return '';
    const d = new Date(iso);
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  private renderQueue(): void {
    const d = dictionary(this.lang);
    const fresh = this.queue.freshCount();
    fill(
      this.queueHead,
      h('h2', null, d.queue),
      h(
        'span',
        { class: 'count', attrs: { id: 'queue-count' } },
        t(this.lang, 'queueCount', { n: this.queue.size }),
        this.nextCursor ? d.queueMore : '',
      ),
      fresh > 0
        ? keepFocus(
            h(
              'button',
              {
                class: 'fresh',
                attrs: { type: 'button', id: 'fresh-count' },
                on: {
                  click: () => {
                    const first = this.queue.list()[0];
                    if (first) this.queue.select(first.id);
                    this.queue.clearFresh();
                    this.renderQueue();
                    this.renderCase();
                  },
                },
              },
              t(this.lang, 'newArrivals', { n: fresh }),
            ),
          )
        : null,
    );
    const current = this.queue.current();
    const wanted: HTMLLIElement[] = [];
    for (const c of this.queue.list()) {
      const row = this.row(c);
      row.classList.toggle('current', c.id === current?.id);
      row.classList.toggle('marked', this.queue.isMarked(c.id));
      row.classList.toggle('fresh', this.queue.isFresh(c.id));
      row.setAttribute('aria-selected', String(c.id === current?.id));
      wanted.push(row);
    }
    // Reuse rows and move only what moved, so the browser keeps the scroll anchored.
    const keep = new Set(wanted);
    for (const [id, row] of this.rows) {
      if (!keep.has(row)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    let cursor: ChildNode | null = this.queueList.firstChild;
    for (const row of wanted) {
      if (row === cursor) cursor = cursor.nextSibling;
      else this.queueList.insertBefore(row, cursor);
    }
    for (const el of [...this.queueList.children]) if (!keep.has(el as HTMLLIElement)) el.remove();
    if (this.queue.size === 0) {
      this.queueList.replaceChildren(h('li', { class: 'empty' }, this.loading ? d.loading : d.queueEmpty));
      this.rows.clear();
    }
    if (current) this.rows.get(current.id)?.scrollIntoView({ block: 'nearest' });
  }

  private row(c: Case): HTMLLIElement {
    const existing = this.rows.get(c.id);
    if (existing && existing.dataset.version === String(c.version) && existing.dataset.lang === this.lang)
      return existing;
    const dot = h('span', { class: 'dot' });
    dot.style.backgroundColor = TYPE_COLOURS[c.type] ?? '#6b7280';
    const row = h(
      'li',
      {
        class: 'row',
        attrs: { role: 'option' },
        dataset: { caseId: c.id, version: String(c.version), lang: this.lang, status: c.status },
        on: {
          click: (e) => {
            if (e.shiftKey || e.ctrlKey || e.metaKey) this.queue.toggleMark(c.id);
            else this.queue.select(c.id);
            this.renderQueue();
            this.renderCase();
            this.renderMap();
            this.renderKeys();
          },
        },
      },
      h('span', { class: 'mark', attrs: { 'aria-hidden': 'true' } }, '✓'),
      h(
        'div',
        { class: 'row-title' },
        dot,
        h('strong', null, c.category.name),
        h('span', { class: 'code' }, c.category.code),
      ),
      h('div', { class: 'row-meta' }, `${c.sourceId} · ${formatTime(c.firstSeen, this.lang)}`),
      h(
        'div',
        { class: 'row-figures' },
        h('span', { class: 'conf' }, formatConfidence(c.confidence)),
        h('span', { class: 'dwell' }, formatDwell(c.dwellSeconds, this.lang)),
      ),
    );
    if (existing) existing.replaceWith(row);
    this.rows.set(c.id, row);
    return row;
  }

  private renderCase(): void {
    const c = this.queue.current();
    const d = dictionary(this.lang);
    if (!c) {
      this.shownCaseId = undefined;
      this.caseHead.replaceChildren(h('p', { class: 'case-empty' }, this.loading ? d.loading : d.queueEmpty));
      this.panel.element.hidden = true;
      this.facts.replaceChildren();
      return;
    }
    this.panel.element.hidden = false;
    this.caseHead.dataset.caseId = c.id;
    fill(
      this.caseHead,
      h(
        'div',
        { class: 'case-title' },
        h('h2', null, c.category.name),
        h('span', { class: 'code', attrs: { title: d.category } }, c.category.fullCode ?? c.category.code),
        h('span', { class: 'type' }, this.lang === 'zh-CN' ? '' : d.types[c.type]),
      ),
      h(
        'div',
        { class: 'figure' },
        h('span', { class: 'label' }, d.confidence),
        h('strong', { attrs: { id: 'case-confidence' } }, formatConfidence(c.confidence)),
      ),
      h(
        'div',
        { class: 'figure' },
        h('span', { class: 'label' }, d.dwell),
        h('strong', { attrs: { id: 'case-dwell' } }, formatDwell(c.dwellSeconds, this.lang)),
      ),
    );
    const row = (label: string, value: string | null | undefined): HTMLElement[] =>
      value ? [h('dt', null, label), h('dd', null, value)] : [];
    this.facts.replaceChildren(
      ...row(d.status, d.statuses[c.status]),
      ...row(d.source, c.sourceId),
      ...row(d.zone, c.zoneId),
      ...row(d.firstSeen, formatDateTime(c.firstSeen, this.lang)),
      ...row(d.lastSeen, formatDateTime(c.lastSeen, this.lang)),
      ...row(d.address, c.address),
      ...row(d.gridCell, c.gridCell),
      ...row(d.location, c.location ? formatCoordinate(c.location.lat, c.location.lon) : d.noLocation),
      ...row(d.model, c.model ? `${c.model.name} ${c.model.version}` : null),
    );
    if (this.shownCaseId !== c.id) {
      this.shownCaseId = c.id;
      void this.showEvidence(c.id);
    }
  }

  private async showEvidence(caseId: string): Promise<void> {
    const token = ++this.evidenceToken;
    this.panel.show(caseId, undefined);
    try {
      const items = await this.evidence.load(caseId);
      if (token === this.evidenceToken) this.panel.show(caseId, items);
    } catch (err) {
      if (token === this.evidenceToken) this.panel.show(caseId, [], this.errorText(err));
    }
    // Fetch the next case's evidence while the reviewer looks at this one.
    const list = this.queue.list();
    const next = list[this.queue.indexOfCurrent() + 1];
    if (next && token === this.evidenceToken) void this.evidence.load(next.id).catch(() => {});
  }

  private renderKeys(): void {
    const d = dictionary(this.lang);
    const marked = this.queue.marked().length;
    const key = (k: string, label: string, action: () => void, cls = ''): HTMLElement =>
      keepFocus(
        h(
          'button',
          { class: `key ${cls}`, attrs: { type: 'button' }, on: { click: action } },
          h('kbd', null, k),
          h('span', null, label),
        ),
      );
    fill(
      this.keys,
      h('h3', null, d.decide),
      marked > 0
        ? h(
            'p',
            { class: 'marked-note', attrs: { id: 'marked-note' } },
            t(this.lang, 'marked', { n: marked }),
          )
        : null,
      key('Enter', d.confirmKey, () => this.run({ kind: 'confirm' }), 'confirm'),
      ...REASON_KEYS.map(([k, reason]) =>
        key(
          k,
          reason === 'other' ? d.rejectOther : d.reasons[reason],
          () => this.run(reason === 'other' ? { kind: 'rejectOther' } : { kind: 'reject', reason }),
          'reject',
        ),
      ),
      h(
        'div',
        { class: 'key-row' },
        key('Z', d.undo, () => this.run({ kind: 'undo' })),
        key('X', d.kMarkShort, () => this.run({ kind: 'toggleMark' })),
        key('D', d.kDuplicatesShort, () => this.run({ kind: 'markDuplicates' })),
      ),
    );
  }

  private renderMap(): void {
    this.mapCanvas.setAttribute('aria-label', dictionary(this.lang).map);
    drawMap(
      this.mapCanvas,
      { sources: this.sources, cases: this.queue.list(), current: this.queue.current() },
      t(this.lang, 'mapEmpty'),
    );
  }

  // ---- toast, help, other-reason ----

  private notify(text: string, tone: Toast['tone'], decisionId?: number): void {
    this.toast = { text, tone, ...(decisionId === undefined ? {} : { decisionId }) };
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(
      () => {
        this.toast = undefined;
        this.renderToast();
      },
      decisionId === undefined ? 4000 : UNDO_WINDOW_MS + 1500,
    );
    this.renderToast();
    this.renderTopbar();
  }

  private renderToast(): void {
    const toast = this.toast;
    if (!toast) {
      this.toastArea.replaceChildren();
      return;
    }
    const undoable = toast.decisionId !== undefined && this.pending.latest()?.id === toast.decisionId;
    const bar = h('span', { class: 'countdown' });
    bar.style.animationDuration = `${UNDO_WINDOW_MS}ms`;
    fill(
      this.toastArea,
      h(
        'div',
        { class: `toast ${toast.tone}`, attrs: { id: 'toast' } },
        h('span', null, toast.text),
        undoable
          ? keepFocus(
              h(
                'button',
                { attrs: { type: 'button', id: 'undo-button' }, on: { click: () => this.undo() } },
                `${t(this.lang, 'undo')} (Z)`,
              ),
            )
          : null,
        undoable ? bar : null,
      ),
    );
  }

  private decisionSubject(decision: Decision): string {
    const first = decision.cases[0];
    return decision.cases.length === 1 && first ? this.caseName(first) : String(decision.cases.length);
  }

  private decisionText(decision: Decision): string {
    const v = decision.verdict;
    if (v.kind === 'confirm') return t(this.lang, 'confirmed', { what: this.decisionSubject(decision) });
    const reason = dictionary(this.lang).reasons[v.reason];
    if (decision.cases.length > 1) return t(this.lang, 'rejectedMany', { n: decision.cases.length, reason });
    return t(this.lang, 'rejected', { reason, what: this.decisionSubject(decision) });
  }

  private openHelp(): void {
    const d = dictionary(this.lang);
    const rows: Array<[string, string]> = [
      ['J / ↓', d.kNext],
      ['K / ↑', d.kPrev],
      ['Enter / C', d.kConfirm],
      ...REJECT_REASONS.map((r, i): [string, string] => [
        String(i + 1),
        `${d.kReject}: ${d.reasons[r as RejectReason]}`,
      ]),
      ['Z / Ctrl+Z', d.kUndo],
      ['X / Space', d.kMark],
      ['D', d.kDuplicates],
      ['+ / − / 0', d.kZoom],
      ['E / ← →', d.kEvidence],
      ['V', d.kClip],
      ['F / /', d.kFilters],
      ['L', d.kLang],
      ['?', d.help],
    ];
    this.overlay.replaceChildren(
      h(
        'div',
        { class: 'dialog', attrs: { role: 'dialog', 'aria-modal': 'true', id: 'help' } },
        h('h2', null, d.help),
        h(
          'table',
          null,
          h(
            'tbody',
            null,
            ...rows.map(([k, v]) => h('tr', null, h('th', null, h('kbd', null, k)), h('td', null, v))),
          ),
        ),
        h('p', { class: 'hint' }, d.helpClose),
      ),
    );
    this.overlay.hidden = false;
    this.helpOpen = true;
  }

  private openOther(): void {
    const current = this.queue.current();
    if (!current && this.queue.marked().length === 0) return;
    const d = dictionary(this.lang);
    const input = h('input', {
      attrs: {
        type: 'text',
        maxlength: 2000,
        id: 'other-text',
        'aria-label': d.otherPrompt,
        autocomplete: 'off',
      },
    });
    const form = h(
      'form',
      {
        class: 'dialog',
        attrs: { role: 'dialog', 'aria-modal': 'true', id: 'other-dialog' },
        on: {
          submit: (e) => {
            e.preventDefault();
            const text = input.value.trim();
            if (!text) return;
            this.closeOverlay();
            this.decide({ kind: 'reject', reason: 'other', text });
          },
          keydown: (e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              this.closeOverlay();
            }
          },
        },
      },
      h('h2', null, `${d.reasons.other} (4)`),
      h('label', null, d.otherPrompt, input),
    );
    this.overlay.replaceChildren(form);
    this.overlay.hidden = false;
    this.otherOpen = true;
    input.focus();
  }

  private closeOverlay(): void {
    this.overlay.hidden = true;
    this.overlay.replaceChildren();
    this.helpOpen = false;
    this.otherOpen = false;
  }

  private errorText(err: unknown): string {
    if (err instanceof ApiError) return `${err.message} (${err.status})`;
    return err instanceof Error ? err.message : String(err);
  }
}
