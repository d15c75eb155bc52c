/**
 * The evidence area: one image large (the annotated frame unless the reviewer picks another),
 * with the clean crop, the start and threshold snapshots and the clip side by side beneath it.
 */
import { h, keepFocus } from './dom.js';
import type { LoadedEvidence } from './evidence-cache.js';
import { dictionary, t, type Language } from './i18n.js';
import { ZoomPan } from './zoom-pan.js';

export class EvidencePanel {
  readonly element: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly large: HTMLImageElement;
  private readonly message: HTMLElement;
  private readonly strip: HTMLElement;
  private readonly zoom: ZoomPan;
  private items: LoadedEvidence[] = [];
  private selected = 'annotated';
  private video: HTMLVideoElement | undefined;
  private caseId: string | undefined;

  constructor(private lang: Language) {
    this.large = h('img', { class: 'large', attrs: { alt: '', draggable: 'false' } });
    this.message = h('p', { class: 'stage-message' });
    this.stage = h(
      'div',
      { class: 'stage', attrs: { title: t(lang, 'zoomHint') } },
      this.large,
      this.message,
    );
    this.strip = h('div', { class: 'strip' });
    this.element = h(
      'section',
      { class: 'evidence', attrs: { 'aria-label': t(lang, 'evidence') } },
      this.stage,
      this.strip,
    );
    this.zoom = new ZoomPan(this.stage, this.large);
  }

  setLanguage(lang: Language): void {
    this.lang = lang;
    this.stage.title = t(lang, 'zoomHint');
    this.renderStrip();
  }

  /** Shows a case's evidence; `undefined` while it loads. */
  show(caseId: string, items: LoadedEvidence[] | undefined, error?: string): void {
    const sameCase = caseId === this.caseId;
    this.caseId = caseId;
    this.items = items ?? [];
    if (!sameCase) {
      this.selected = 'annotated';
      this.zoom.reset();
    }
    this.stage.dataset.state = error ? 'error' : items === undefined ? 'loading' : 'ready';
    if (error) this.message.textContent = t(this.lang, 'evidenceFailed', { message: error });
    else if (items === undefined) this.message.textContent = t(this.lang, 'loading');
    else if (this.images().length === 0 && !this.clip())
      this.message.textContent = t(this.lang, 'noEvidence');
    else this.message.textContent = '';
    this.renderLarge();
    this.renderStrip();
  }

  /** Steps the large image through the available images. */
  cycle(step: 1 | -1): void {
    const images = this.images();
    if (images.length === 0) return;
    const at = images.findIndex((i) => i.kind === this.selected);
    const next = images[(at + step + images.length) % images.length];
    if (next) this.select(next.kind);
  }

  select(kind: string): void {
    this.selected = kind;
    this.zoom.reset();
    this.renderLarge();
    this.renderStrip();
  }

  zoomStep(step: 1 | -1 | 0): void {
    this.zoom.step(step);
  }

  toggleClip(): void {
    const v = this.video;
    if (!v) return;
    if (v.paused) void v.play().catch(() => {});
    else v.pause();
  }

  get zoomLevel(): number {
    return this.zoom.level;
  }

  private images(): LoadedEvidence[] {
    return this.items.filter((i) => i.contentType.startsWith('image/'));
  }

  private clip(): LoadedEvidence | undefined {
    return this.items.find((i) => i.contentType.startsWith('video/'));
  }

  private label(kind: string): string {
    return dictionary(this.lang).evidenceKinds[kind] ?? kind;
  }

  private renderLarge(): void {
    const images = this.images();
    const shown = images.find((i) => i.kind === this.selected && i.url) ?? images.find((i) => i.url);
    if (shown?.url) {
      this.selected = shown.kind;
      if (this.large.src !== shown.url) this.large.src = shown.url;
      this.large.alt = this.label(shown.kind);
      this.large.hidden = false;
      this.stage.dataset.kind = shown.kind;
    } else {
      this.large.removeAttribute('src');
      this.large.hidden = true;
      delete this.stage.dataset.kind;
    }
  }

  private renderStrip(): void {
    const cells: HTMLElement[] = [];
    for (const item of this.images()) {
      const body = item.url
        ? h('img', { attrs: { src: item.url, alt: this.label(item.kind), draggable: 'false' } })
        : h('span', { class: 'thumb-error' }, '⚠');
      cells.push(
        keepFocus(
          h(
            'button',
            {
              class: `thumb${item.kind === this.selected ? ' selected' : ''}`,
              attrs: { type: 'button', title: this.label(item.kind) },
              dataset: { kind: item.kind },
              on: { click: () => this.select(item.kind) },
            },
            body,
            h('span', { class: 'thumb-label' }, this.label(item.kind)),
          ),
        ),
      );
    }
    const clip = this.clip();
    // Keep the playing video element across re-renders (language switch, selection).
    if (clip?.url) {
      if (!this.video || this.video.dataset.src !== clip.url) {
        this.video = h('video', {
          attrs: { controls: true, muted: true, loop: true, playsinline: true, preload: 'metadata' },
          dataset: { src: clip.url },
        });
        this.video.muted = true;
        this.video.src = clip.url;
      }
      cells.push(
        h(
          'div',
          { class: 'thumb clip', dataset: { kind: clip.kind } },
          this.video,
          h('span', { class: 'thumb-label' }, `${this.label(clip.kind)} (V)`),
        ),
      );
    } else {
      this.video = undefined;
    }
    this.strip.replaceChildren(...cells);
  }
}
