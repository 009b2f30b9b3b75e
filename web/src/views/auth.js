// Log in and sign up.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { login } from '../session.js';

function field(id, label, attrs, hint) {
  const hintId = hint ? `${id}-hint` : undefined;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, ...attrs, 'aria-describedby': hintId }),
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null);
}

function authForm({ title, fields, submit, onSubmit, footer }) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'button primary' }, submit);
  const form = h('form', { class: 'card auth-form', novalidate: true }, ...fields, error, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      await onSubmit(new FormData(form));
    } catch (err) {
      error.textContent = err.message;
      button.disabled = false;
    }
  });
  return [h('h1', { tabindex: '-1' }, title), form, footer];
}

export function loginView(main, { navigate, query }) {
  document.title = 'Log in · chirp';
  const next = query.get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
  main.append(...authForm({
    title: 'Log in to chirp',
    submit: 'Log in',
    fields: [
      field('username', 'Username', { type: 'text', autocomplete: 'username', required: true, maxlength: 15, autocapitalize: 'none', spellcheck: 'false' }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    ],
    onSubmit: async (data) => {
      const user = await login(String(data.get('username')).trim(), String(data.get('password')));
      toast(`Welcome back, ${user.display_name || user.username}`);
      navigate(target, { replace: true });
    },
    footer: h('p', { class: 'aside' }, 'New to chirp? ', h('a', { href: '/signup' }, 'Create an account')),
  }));
}

export function signupView(main, { navigate }) {
  document.title = 'Sign up · chirp';
  main.append(...authForm({
    title: 'Create your chirp account',
    submit: 'Sign up',
    fields: [
      field('username', 'Username', { type: 'text', autocomplete: 'username', required: true, maxlength: 15, pattern: '[A-Za-z0-9_]{1,15}', autocapitalize: 'none', spellcheck: 'false' },
        'Up to 15 letters, digits or underscores.'),
      field('display_name', 'Display name', { type: 'text', autocomplete: 'name', maxlength: 50 }, 'Optional, up to 50 characters.'),
      field('password', 'Password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128 },
        'At least 8 characters.'),
    ],
    onSubmit: async (data) => {
      const username = String(data.get('username')).trim();
      const password = String(data.get('password'));
      const body = { username, password };
      const display = String(data.get('display_name')).trim();
      if (display) body.display_name = display;
      await api('POST', '/users', body);
      await login(username, password);
      toast('Welcome to chirp!');
      navigate('/', { replace: true });
    },
    footer: h('p', { class: 'aside' }, 'Already have an account? ', h('a', { href: '/login' }, 'Log in')),
  }));
}
