// End-to-end: two people use chirp's web app in separate browser contexts
// against a real chirpd. Steps run in order and share state.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiCall, assertNoProblems, cleanupAll, launchBrowser, screenshotPath, startChirpd, watchedContext,
} from './harness.mjs';

const T = 20000; // ceiling for one wait (polling shows new tweets within ~5 s); generous for loaded CI machines
let base;
let browser;
let alice; // {context, page, watch}
let bob;
let aliceTweetUrl;

before(async () => {
  ({ base } = await startChirpd());
  browser = await launchBrowser();
  alice = await watchedContext(browser, 'alice');
  bob = await watchedContext(browser, 'bob');
});
after(cleanupAll);

const nav = (page) => page.getByRole('navigation', { name: 'Main' });
const shot = (who, name) => who.page.screenshot({ path: screenshotPath(`e2e-${name}`), fullPage: true });

async function signUp(who, username, displayName) {
  const { page } = who;
  await page.goto(`${base}/`);
  await page.getByRole('heading', { level: 1, name: 'All tweets' }).waitFor({ timeout: T });
  await nav(page).getByRole('link', { name: 'Sign up', exact: true }).click();
  await page.getByRole('heading', { name: 'Create your chirp account' }).waitFor({ timeout: T });
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor({ timeout: T });
  assert.equal(new URL(page.url()).pathname, '/');
  await nav(page).getByRole('button', { name: 'Log out', exact: true }).waitFor();
}

async function post(who, text) {
  const { page } = who;
  await page.getByLabel('Tweet text').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const card = page.locator('article.tweet', { hasText: text.slice(0, 30) }).first();
  await card.waitFor({ timeout: T });
  return card;
}

test('chirpd serves the app: index.html no-cache, fingerprinted assets immutable, deep links get the app', async () => {
  const index = await fetch(`${base}/`, { headers: { Accept: 'text/html' } });
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.match(index.headers.get('content-security-policy'), /script-src 'self'/);
  const html = await index.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/app\.[0-9a-f]{12}\.(?:js|css))"/g)].map((m) => m[1]);
  assert.equal(assets.length, 2, html);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  for (const a of assets) {
    const r = await fetch(`${base}${a}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control'), /immutable/);
  }
  const deep = await fetch(`${base}/alice/status/123`, { headers: { Accept: 'text/html' } });
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), html);
  const icon = await fetch(`${base}/favicon.svg`);
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
});

test('logged-out landing shows all tweets, no 401 for the session check', async () => {
  await alice.page.goto(`${base}/`);
  await alice.page.getByRole('heading', { level: 1, name: 'All tweets' }).waitFor({ timeout: T });
  await alice.page.getByText('No tweets yet.').waitFor({ timeout: T });
  await nav(alice.page).getByRole('link', { name: 'Log in', exact: true }).waitFor();
  await shot(alice, 'landing');
  assertNoProblems(alice.watch);
});

test('two people sign up in separate browser contexts', async () => {
  await signUp(alice, 'alice', 'Alice Liddell');
  await shot(alice, 'home-empty');
  await signUp(bob, 'bob', 'Bob Builder');
  // A taken name (case-insensitively) is refused with a visible message.
  const late = await watchedContext(browser, 'late');
  late.watch.expected.push(/409/);
  await late.page.goto(`${base}/signup`);
  await late.page.getByLabel('Username').fill('ALICE');
  await late.page.getByLabel('Password').fill('another password');
  await late.page.getByRole('button', { name: 'Sign up' }).click();
  await late.page.getByRole('alert').filter({ hasText: /taken/i }).waitFor({ timeout: T });
  assert.equal(new URL(late.page.url()).pathname, '/signup');
  await late.context.close();
  assertNoProblems(alice.watch, bob.watch, late.watch);
});

test('they follow each other from the user page', async () => {
  for (const [who, other] of [[alice, 'bob'], [bob, 'alice']]) {
    const { page } = who;
    await page.goto(`${base}/${other}`);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: other === 'bob' ? 'Bob Builder' : 'Alice Liddell' }).waitFor({ timeout: T });
    await page.getByText('0 followers').waitFor();
    await page.getByRole('button', { name: `Follow @${other}` }).click();
    await page.getByRole('button', { name: `Unfollow @${other}` }).waitFor({ timeout: T });
    await page.getByText('1 follower', { exact: true }).waitFor();
  }
  // The change is real: a fresh load of the page still says so.
  await alice.page.reload();
  await alice.page.getByRole('button', { name: 'Unfollow @bob' }).waitFor({ timeout: T });
  await alice.page.getByText('1 following').waitFor();
  assertNoProblems(alice.watch, bob.watch);
});

test('edit my own profile', async () => {
  const { page } = alice;
  await nav(page).getByRole('link', { name: 'Profile', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Alice Liddell' }).waitFor({ timeout: T });
  assert.equal(await page.getByRole('button', { name: /Follow/ }).count(), 0); // not on my own page
  await page.getByRole('button', { name: 'Edit profile' }).click();
  await page.getByLabel('Display name').fill('Alice in Chirpland');
  await page.getByLabel('Bio').fill('Down the rabbit hole, one <b>tweet</b> at a time.');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('heading', { level: 1, name: 'Alice in Chirpland' }).waitFor({ timeout: T });
  // User text is text: the tags show as typed, nothing became HTML.
  await page.getByText('Down the rabbit hole, one <b>tweet</b> at a time.').waitFor();
  assert.equal(await page.locator('.bio b').count(), 0);
  await page.getByRole('button', { name: 'Edit profile' }).click();
  await page.getByLabel('Display name').fill('Alice Liddell');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('heading', { level: 1, name: 'Alice Liddell' }).waitFor({ timeout: T });
  assertNoProblems(alice.watch);
});

test('compose: live weighted counter, post, and a visible refusal of an over-long tweet', async () => {
  const { page } = alice;
  await nav(page).getByRole('link', { name: 'Home', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor({ timeout: T });
  await bob.page.goto(`${base}/`); // bob watches his home timeline while alice posts
  await bob.page.getByRole('heading', { level: 1, name: 'Home' }).waitFor({ timeout: T });

  const box = page.getByLabel('Tweet text');
  await box.fill('hello');
  await page.getByText('275 characters left').waitFor();
  await box.fill('日本語'); // CJK weighs 2 under twitter-text v3
  await page.getByText('274 characters left').waitFor();
  await box.fill('see https://example.com/a/rather/long/path/that/goes/on/and/on'); // any URL weighs 23
  await page.getByText('253 characters left').waitFor();
  await box.fill('👩‍👩‍👧 ok'); // an emoji sequence weighs 2
  await page.getByText('275 characters left').waitFor();
  await box.fill('x'.repeat(300)); // one word, weighted length 300
  await page.getByText('20 characters over the limit').waitFor();
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  alice.watch.expected.push(/422/);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Not posted' });
  await alert.waitFor({ timeout: T });
  assert.match(await alert.textContent(), /over 280 characters/);
  await shot(alice, 'compose-refused');
  alice.watch.expected.pop();
  const refusals = alice.watch.problems.length;
  assert.equal(refusals, 0, alice.watch.problems.join('\n'));

  const card = await post(alice, 'Hello #chirpdemo world, ping @bob and read https://example.com/docs please');
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Not posted' }).count(), 0);
  const tag = card.getByRole('link', { name: '#chirpdemo' });
  assert.equal(await tag.getAttribute('href'), '/search?q=%23chirpdemo');
  assert.equal(await card.getByRole('link', { name: '@bob' }).getAttribute('href'), '/bob');
  const url = card.getByRole('link', { name: 'https://example.com/docs' });
  assert.equal(await url.getAttribute('href'), 'https://example.com/docs');
  assert.equal(await url.getAttribute('rel'), 'noopener noreferrer');
  aliceTweetUrl = new URL(await card.locator('a.when').getAttribute('href'), base).href;
  assertNoProblems(alice.watch);
});

test('new tweets appear on an open home timeline without a reload (polling)', async () => {
  const { page } = bob;
  // Bob's home was empty when it loaded: alice's tweet simply arrives.
  await page.locator('article.tweet', { hasText: 'Hello #chirpdemo world' }).waitFor({ timeout: T });
  // With tweets on screen, newer ones wait behind a button (no jumping list).
  await post(alice, 'Second thought: timelines are better with friends');
  const more = page.getByRole('button', { name: 'Show 1 new tweet', exact: true });
  await more.waitFor({ timeout: T });
  assert.equal(await page.locator('article.tweet', { hasText: 'Second thought' }).count(), 0);
  await more.click();
  await page.locator('article.tweet', { hasText: 'Second thought' }).waitFor({ timeout: T });
  assert.equal(await more.isVisible(), false);
  // An astral emoji first: entity and highlight indices are code points, not UTF-16 units.
  const card = await post(bob, '🚀 Coffee time with @alice #chirpdemo, the best coffee in town');
  assert.equal(await card.getByRole('link', { name: '@alice', exact: true }).getAttribute('href'), '/alice');
  assert.equal(await card.getByRole('link', { name: '#chirpdemo', exact: true }).count(), 1);
  await shot(bob, 'home');
  assertNoProblems(bob.watch);
});

test('each sees the other on the home timeline', async () => {
  await alice.page.goto(`${base}/`);
  await alice.page.locator('article.tweet', { hasText: 'Coffee time with @alice' }).waitFor({ timeout: T });
  await alice.page.locator('article.tweet', { hasText: 'Hello #chirpdemo world' }).waitFor();
  await shot(alice, 'home-alice');
  assertNoProblems(alice.watch);
});

test('reply and like on the single-tweet page', async () => {
  const { page } = bob;
  await page.goto(aliceTweetUrl);
  const main = page.locator('article.tweet.focus');
  await main.waitFor({ timeout: T });
  await page.getByText('No replies yet.').waitFor({ timeout: T });
  await page.getByLabel('Reply to @alice').fill('Welcome aboard, Alice!');
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  await page.locator('.list article.tweet', { hasText: 'Welcome aboard, Alice!' }).waitFor({ timeout: T });
  const like = main.getByRole('button', { name: /Like/ });
  assert.equal(await like.getAttribute('aria-pressed'), 'false');
  await like.click();
  await page.waitForFunction(() => document.querySelector('article.tweet.focus .like')?.getAttribute('aria-pressed') === 'true');
  assert.match(await like.textContent(), /\(1\)/);
  await shot(bob, 'tweet');

  // Alice sees both on a fresh load.
  await alice.page.goto(aliceTweetUrl);
  await alice.page.locator('.list article.tweet', { hasText: 'Welcome aboard, Alice!' }).waitFor({ timeout: T });
  assert.match(await alice.page.locator('article.tweet.focus .like').textContent(), /\(1\)/);
  assert.match(await alice.page.locator('article.tweet.focus').textContent(), /Replies \(1\)/);
  assertNoProblems(alice.watch, bob.watch);
});

test('search with an operator shows highlighted results, sort and did-you-mean', async () => {
  const { page } = alice;
  await nav(page).getByRole('link', { name: 'Search', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor({ timeout: T });
  await page.locator('summary', { hasText: 'Search operators' }).click();
  await page.getByRole('cell', { name: 'from:user' }).waitFor();
  await page.getByLabel('Search', { exact: true }).fill('from:bob coffee');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const hit = page.locator('.list article.tweet');
  await hit.first().waitFor({ timeout: T });
  assert.equal(await hit.count(), 1);
  assert.match(await hit.textContent(), /Coffee time with/);
  const marks = await hit.locator('mark').allTextContents();
  assert.deepEqual(marks.map((m) => m.toLowerCase()), ['coffee', 'coffee']);
  assert.equal(new URL(page.url()).searchParams.get('q'), 'from:bob coffee');
  await shot(alice, 'search');

  await page.getByLabel('Sort by').selectOption('recent');
  await page.waitForURL(/sort=recent/, { timeout: T });
  await page.locator('.list article.tweet mark').first().waitFor({ timeout: T });

  // Asked once: the words of just-posted tweets are known to did-you-mean
  // while they are still only in the memory index (the cause of the earlier
  // intermittent miss, fixed in 305d7ae).
  await page.getByLabel('Search', { exact: true }).fill('cofee');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const suggestion = page.getByRole('link', { name: 'coffee', exact: true });
  await suggestion.waitFor({ timeout: T });
  await suggestion.click();
  await page.locator('.list article.tweet mark').first().waitFor({ timeout: T });
  assertNoProblems(alice.watch);
});

test('a hashtag link opens its search', async () => {
  const { page } = alice;
  await nav(page).getByRole('link', { name: 'Home', exact: true }).click();
  const card = page.locator('article.tweet', { hasText: 'Hello #chirpdemo world' });
  await card.waitFor({ timeout: T });
  await card.getByRole('link', { name: '#chirpdemo' }).click();
  await page.waitForURL(/\/search\?q=%23chirpdemo$/, { timeout: T });
  await page.locator('.list article.tweet').nth(1).waitFor({ timeout: T });
  assert.equal(await page.locator('.list article.tweet').count(), 2);
  assert.equal(await page.getByLabel('Search', { exact: true }).inputValue(), '#chirpdemo');
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor({ timeout: T });
  await page.goForward();
  await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor({ timeout: T });
  assertNoProblems(alice.watch);
});

test('a deleted tweet is gone from search', async () => {
  const { page } = alice;
  await nav(page).getByRole('link', { name: 'Home', exact: true }).click();
  await post(alice, 'A zebra crossing, soon to vanish');
  await page.goto(`${base}/search?q=zebra`);
  const hit = page.locator('.list article.tweet', { hasText: 'zebra crossing' });
  await hit.waitFor({ timeout: T });
  await hit.getByRole('button', { name: 'Delete' }).click();
  await hit.waitFor({ state: 'detached', timeout: T });
  await page.reload();
  await page.getByText('No tweets match zebra.').waitFor({ timeout: T });
  assertNoProblems(alice.watch);
});

test('load more pages through cursors', async () => {
  const { token } = await apiCall(base, 'POST', '/auth/login', { username: 'bob', password: 'correct horse battery' });
  for (let i = 1; i <= 22; i++) await apiCall(base, 'POST', '/tweets', { text: `Bulk tweet number ${i}` }, token);
  const { page } = alice;
  await page.goto(`${base}/bob`);
  const cards = page.locator('.list article.tweet');
  await cards.nth(19).waitFor({ timeout: T });
  assert.equal(await cards.count(), 20); // one page
  const total = Number((await page.getByText(/^\d+ tweets$/).textContent()).split(' ')[0]);
  assert.ok(total > 20 && total <= 40, String(total));
  await page.getByRole('button', { name: 'Load more tweets' }).click();
  await cards.nth(total - 1).waitFor({ timeout: T });
  assert.equal(await cards.count(), total);
  await page.getByRole('button', { name: 'Load more tweets' }).waitFor({ state: 'hidden', timeout: T });
  // Newest first, no duplicates across the page boundary.
  const ids = await cards.evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.equal(new Set(ids).size, ids.length);
  const sorted = [...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
  assert.deepEqual(ids, sorted);
  assertNoProblems(alice.watch);
});

test('deep links load on a fresh page, logged in and logged out', async () => {
  await bob.page.goto(aliceTweetUrl);
  await bob.page.reload();
  await bob.page.locator('article.tweet.focus', { hasText: 'Hello #chirpdemo world' }).waitFor({ timeout: T });
  const guest = await watchedContext(browser, 'guest');
  await guest.page.goto(aliceTweetUrl);
  await guest.page.locator('article.tweet.focus', { hasText: 'Hello #chirpdemo world' }).waitFor({ timeout: T });
  await nav(guest.page).getByRole('link', { name: 'Log in', exact: true }).waitFor();
  await guest.page.goto(`${base}/alice`);
  await guest.page.getByRole('heading', { level: 1, name: 'Alice Liddell' }).waitFor({ timeout: T });
  await guest.page.goto(`${base}/search?q=%23chirpdemo&sort=recent`);
  await guest.page.locator('.list article.tweet mark').first().waitFor({ timeout: T });
  await guest.context.close();
  assertNoProblems(bob.watch, guest.watch);
});

test('a session revoked elsewhere sends the app back to the login page', async () => {
  const { token } = await apiCall(base, 'POST', '/auth/login', { username: 'bob', password: 'correct horse battery' });
  const { page, watch } = bob;
  await page.goto(aliceTweetUrl);
  const like = page.locator('article.tweet.focus .like');
  await like.waitFor({ timeout: T });
  await apiCall(base, 'DELETE', '/me/sessions', undefined, token); // every session of bob, the cookie's too
  // Split mode (CHIRP_BASE_URL: the gateway) honours it on tweets once that
  // service's cached token check expires (--auth-cache-seconds): wait until
  // the cookie is refused there. All-in-one refuses it at once.
  for (let i = 0; (await bob.context.request.get(`${base}/api/v1/timeline`)).status() !== 401; i++) {
    assert.ok(i < 200, 'the revoked cookie is still accepted by the tweets service');
    await new Promise((r) => setTimeout(r, 100));
  }
  watch.expected.push(/401/);
  await like.click();
  await page.getByRole('heading', { level: 1, name: 'Log in to chirp' }).waitFor({ timeout: T });
  assert.equal(new URL(page.url()).searchParams.get('next'), new URL(aliceTweetUrl).pathname);
  watch.expected.pop();
  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('article.tweet.focus').waitFor({ timeout: T });
  assert.equal(new URL(page.url()).pathname, new URL(aliceTweetUrl).pathname);
  assertNoProblems(watch);
});

test('log out returns to the logged-out app without 401s', async () => {
  const { page } = alice;
  await page.goto(`${base}/`);
  await nav(page).getByRole('button', { name: 'Log out', exact: true }).click();
  await nav(page).getByRole('link', { name: 'Log in', exact: true }).waitFor({ timeout: T });
  await page.getByRole('heading', { level: 1, name: 'All tweets' }).waitFor({ timeout: T });
  await page.reload();
  await nav(page).getByRole('link', { name: 'Log in', exact: true }).waitFor({ timeout: T });
  const cookies = await alice.context.cookies();
  assert.equal(cookies.filter((c) => c.name === 'chirp_session' && c.value).length, 0);
  // Logging back in works and lands where it was asked to.
  await page.goto(`${base}/login?next=/bob`);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bob Builder' }).waitFor({ timeout: T });
  assertNoProblems(alice.watch, bob.watch);
});
