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

export async function userView(main, ctx) {
  const name = ctx.params.username;
  document.title = `@${name} · chirp`;
  main.append(stateMessage('loading', 'Loading profile…'));
  let user;
  try {
    user = await api('GET', `/users/${enc(name)}`);
  } catch (e) {
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
  if (session.user && !isMe(user.username)) profile.append(followButton(user, followers));
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
