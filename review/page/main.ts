/**
 * Entry point: sign-in, then the workspace. The key lives in this module's memory, and in the
 * tab's sessionStorage only when the reviewer asks (it goes when the tab closes); it is never put
 * in a URL, a cookie or localStorage.
 */
import { ApiClient, ApiError, type Me } from './api-client.js';
import { byId, h } from './dom.js';
import { isLanguage, t, type Language } from './i18n.js';
import { ReviewApp } from './review-app.js';

const KEY_STORAGE = 'gridwatch.review.key';
const LANG_STORAGE = 'gridwatch.review.lang';
const DECIDING_ROLES = ['reviewer', 'admin'];

let lang: Language = readLanguage();
let app: ReviewApp | undefined;
let signInError: string | undefined;

function readLanguage(): Language {
  try {
    const stored = localStorage.getItem(LANG_STORAGE);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage may be disabled; the default is fine.
  }
  return 'zh-CN';
}

function setLanguage(next: Language): void {
  lang = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(LANG_STORAGE, next);
  } catch {
    // Not remembered; still switched.
  }
  if (app) app.setLanguage(next);
  else renderSignIn();
}

function forgetKey(): void {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Nothing stored.
  }
}

function signOut(message?: string): void {
  forgetKey();
  app?.stop();
  app = undefined;
  signInError = message;
  renderSignIn();
}

async function signIn(key: string, remember: boolean): Promise<void> {
  const api = new ApiClient(key);
  let me: Me;
  try {
    me = await api.me();
  } catch (err) {
    forgetKey();
    signInError =
      err instanceof ApiError && err.status === 401
        ? t(lang, 'keyInvalid')
        : t(lang, 'networkError', { message: err instanceof Error ? err.message : String(err) });
    renderSignIn();
    return;
  }
  if (!DECIDING_ROLES.includes(me.role)) {
    forgetKey();
    signInError = t(lang, 'keyWrongRole', { role: me.role });
    renderSignIn();
    return;
  }
  if (remember) {
    try {
      sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      // Kept in memory only.
    }
  }
  signInError = undefined;
  api.onUnauthorized = () => signOut(t(lang, 'sessionExpired'));
  app = new ReviewApp(byId('app'), {
    api,
    me,
    lang,
    setLanguage,
    signOut: (reason) => signOut(reason),
  });
  await app.start();
}

function renderSignIn(): void {
  document.title = t(lang, 'title');
  const keyInput = h('input', {
    attrs: {
      type: 'password',
      id: 'api-key',
      name: 'api-key',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      placeholder: 'gwk_…',
    },
  });
  const remember = h('input', { attrs: { type: 'checkbox', id: 'remember', checked: true } });
  const submit = h('button', { attrs: { type: 'submit', id: 'sign-in' } }, t(lang, 'signIn'));
  const form = h(
    'form',
    {
      class: 'sign-in',
      on: {
        submit: (e) => {
          e.preventDefault();
          const key = keyInput.value.trim();
          if (!key) return;
          submit.disabled = true;
          submit.textContent = t(lang, 'signingIn');
          void signIn(key, remember.checked);
        },
      },
    },
    h('h1', null, t(lang, 'title')),
    h('h2', null, t(lang, 'signInTitle')),
    h('p', { class: 'hint' }, t(lang, 'signInHint')),
    h('label', { attrs: { for: 'api-key' } }, t(lang, 'apiKey')),
    keyInput,
    h('label', { class: 'check' }, remember, t(lang, 'rememberInTab')),
    signInError
      ? h('p', { class: 'error', attrs: { role: 'alert', id: 'sign-in-error' } }, signInError)
      : null,
    h(
      'div',
      { class: 'actions' },
      submit,
      h(
        'button',
        {
          attrs: { type: 'button', id: 'lang-button' },
          on: { click: () => setLanguage(lang === 'zh-CN' ? 'en' : 'zh-CN') },
        },
        t(lang, 'language'),
      ),
    ),
  );
  byId('app').replaceChildren(h('div', { class: 'sign-in-page' }, form));
  keyInput.focus();
}

function boot(): void {
  document.documentElement.lang = lang;
  let stored: string | null;
  try {
    stored = sessionStorage.getItem(KEY_STORAGE);
  } catch {
    stored = null;
  }
  if (stored) void signIn(stored, true);
  else renderSignIn();
}

boot();
