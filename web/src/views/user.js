// A user's page: profile, counts, follow / unfollow, their tweets.
import { api, enc, qs } from '../api.js';
import { pagedList, tweetCard } from '../components.js';
import { h, plural, stateMessage, toast } from '../dom.js';
import { isMe, session } from '../session.js';

const joined = new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric' });

function followButton(user, followersEl) {
  const btn = h('button', { type: 'button', class: 'button' });
  const paint = () => {
    btn.textContent = user.viewer_follows ? 'Unfollow' : 'Follow';
    btn.className = `button ${user.viewer_follows ? 'secondary' : 'primary'}`;
    btn.setAttribute('aria-label', `${user.viewer_follows ? 'Unfollow' : 'Follow'} @${user.username}`);
    followersEl.textContent = plural(user.counts.followers, 'follower', 'followers');
  };
  btn.addEventListener('click', async () => {
    const follow = !user.viewer_follows;
    btn.disabled = true;
    try {
      await api(follow ? 'PUT' : 'DELETE', `/users/${enc(user.username)}/follow`);
      user.viewer_follows = follow;
      user.counts.followers = Math.max(0, user.counts.followers + (follow ? 1 : -1));
      paint();
      toast(follow ? `You follow @${user.username}` : `You unfollowed @${user.username}`);
    } catch (e) {
      toast(`Could not ${follow ? 'follow' : 'unfollow'}: ${e.message}`);
    } finally {
      btn.disabled = false;
    }
  });
  paint();
  return btn;
}

// Own page: display name and bio (PATCH /me), the server's limits as maxlength.
function editProfile(user, profile, ctx) {
  const open = h('button', { type: 'button', class: 'button secondary', 'aria-expanded': 'false' }, 'Edit profile');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const name = h('input', { id: 'edit-display-name', name: 'display_name', type: 'text', maxlength: 50, value: user.display_name || '' });
  const bio = h('textarea', { id: 'edit-bio', name: 'bio', rows: 3, maxlength: 160 });
  bio.value = user.bio || '';
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
  const form = h('form', { class: 'edit-profile', hidden: true, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'edit-display-name' }, 'Display name'), name),
    h('div', { class: 'field' }, h('label', { for: 'edit-bio' }, 'Bio'), bio),
    error,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'button primary' }, 'Save profile'), cancel));
  const toggle = (show) => {
    form.hidden = !show;
    open.hidden = show;
    open.setAttribute('aria-expanded', String(show));
    (show ? name : open).focus();
  };
  open.addEventListener('click', () => toggle(true));
  cancel.addEventListener('click', () => toggle(false));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api('PATCH', '/me', { display_name: name.value.trim(), bio: bio.value.trim() });
      toast('Profile saved');
      ctx.navigate(location.pathname, { replace: true });
    } catch (err) {
      error.textContent = `Not saved: ${err.message}`;
    }
  });
  profile.append(open, form);
}

export async function userView(main, ctx) {
  const name = ctx.params.username;
  document.title = `@${name} · chirp`;
  main.append(stateMessage('loading', 'Loading profile…'));
  let user;
  try {
    user = await api('GET', `/users/${enc(name)}`);
  } catch (e) {
    if (ctx.stale()) return; // the reader has moved on to another screen
    main.replaceChildren(h('h1', { tabindex: '-1' }, e.status === 404 ? 'No such user' : 'Profile unavailable'),
      stateMessage('error', e.status === 404 ? `There is no user @${name}.` : `Could not load: ${e.message}`));
    return;
  }
  if (ctx.stale()) return;
  document.title = `${user.display_name || user.username} (@${user.username}) · chirp`;
  const followers = h('span', {});
  const profile = h('section', { class: 'card profile', 'aria-labelledby': 'profile-name' },
    h('h1', { id: 'profile-name', tabindex: '-1' }, user.display_name || user.username),
    h('p', { class: 'username' }, `@${user.username}`),
    user.bio ? h('p', { class: 'bio', dir: 'auto' }, user.bio) : null,
    h('p', { class: 'meta' }, `Joined ${joined.format(new Date(user.created_at))}`),
    h('ul', { class: 'counts', 'aria-label': 'Counts' },
      h('li', {}, plural(user.counts.tweets, 'tweet', 'tweets')),
      h('li', {}, followers),
      h('li', {}, `${user.counts.following.toLocaleString('en')} following`)));
  followers.textContent = plural(user.counts.followers, 'follower', 'followers');
  if (session.user && isMe(user.username)) editProfile(user, profile, ctx);
  else if (session.user) profile.append(followButton(user, followers));
  else if (!session.user) profile.append(h('p', { class: 'aside' }, h('a', { href: `/login?next=${enc(`/${user.username}`)}` }, 'Log in'), ' to follow.'));
  main.replaceChildren(profile, h('h2', {}, 'Tweets'));
  main.append(pagedList({
    label: `Tweets by @${user.username}`,
    fetchPage: (cursor) => api('GET', `/tweets/${enc(user.username)}${qs({ cursor })}`),
    render: (t) => tweetCard(t),
    emptyText: `@${user.username} has not tweeted yet.`,
    moreLabel: 'Load more tweets',
    poll: true,
    onCleanup: ctx.cleanup,
  }).el);
}
