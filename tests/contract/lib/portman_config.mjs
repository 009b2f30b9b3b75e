// Portman configuration for chirp: contract tests for every operation of
// openapi.json (status, content type, JSON body, schema, documented headers),
// with real values from a seeded chirpd (newman environment variables, see
// lib/seed.mjs), and fuzz variants that must get the documented error:
//   - a required body field or query parameter left out, limit below its
//     minimum, q empty or over its maxLength -> 400 bad_request;
//   - a body string over its maxLength or under its minLength -> 422 unprocessable (API.md: over-long
//     text, password length, username rules break a rule, not the syntax).
const allOps = '*::/*';
export const operationCount = () => Object.keys(operations).length;

const contract = (extra = []) => [
  { openApiOperation: allOps, contentType: { enabled: true } },
  { openApiOperation: allOps, jsonBody: { enabled: true } },
  { openApiOperation: allOps, schemaValidation: { enabled: true } },
  { openApiOperation: allOps, headersPresent: { enabled: true } },
  ...extra,
];

const body = (pairs) => Object.entries(pairs).map(([key, value]) => ({ key, value }));
const bearer = (token) => ({ bearer: { token } });

// Real values for every operation: path variables, query, body, token.
const U = '{{username}}';
const T = '{{tweetId}}';
const operations = {
  'POST::/api/v1/users': { body: { username: 'pm_new', password: 'password1', display_name: 'New Person' } },
  'POST::/api/v1/auth/login': { body: { username: U, password: 'password1' }, removeBody: ['cookie'] },
  'POST::/api/v1/auth/logout': { token: '{{logoutToken}}' },
  'GET::/api/v1/auth/session': {},
  'GET::/api/v1/me': {},
  'PATCH::/api/v1/me': { body: { display_name: 'Alice P', bio: 'contract run' } },
  'DELETE::/api/v1/me': { token: '{{goneToken}}', body: { password: 'password1' } },
  'PUT::/api/v1/me/password': { token: '{{pwToken}}', body: { current_password: 'password1', new_password: 'password2' } },
  'DELETE::/api/v1/me/sessions': { token: '{{sessToken}}' },
  'GET::/api/v1/users/{username}': { path: { username: U } },
  'PUT::/api/v1/users/{username}/follow': { path: { username: '{{other}}' } },
  'DELETE::/api/v1/users/{username}/follow': { path: { username: '{{other}}' } },
  'GET::/api/v1/users/{username}/followers': { path: { username: U }, query: { limit: '5' } },
  'GET::/api/v1/users/{username}/following': { path: { username: '{{other}}' }, query: { limit: '5' } },
  'GET::/api/v1/tweets': { query: { limit: '5' } },
  'POST::/api/v1/tweets': {
    body: { text: 'a reply from newman #contract @{{other}}', in_reply_to: T },
    headers: { 'Idempotency-Key': '{{$guid}}' },
  },
  'GET::/api/v1/tweets/{username}': { path: { username: U }, query: { limit: '5' } },
  'GET::/api/v1/tweets/{username}/{id}': { path: { username: U, id: T } },
  'DELETE::/api/v1/tweets/{username}/{id}': { path: { username: U, id: '{{doomedId}}' } },
  'GET::/api/v1/tweets/{username}/{id}/replies': { path: { username: U, id: T }, query: { limit: '5' } },
  'PUT::/api/v1/tweets/{username}/{id}/like': { path: { username: U, id: T } },
  'DELETE::/api/v1/tweets/{username}/{id}/like': { path: { username: U, id: T } },
  'GET::/api/v1/timeline': { query: { limit: '5' } },
  'GET::/api/v1/search': { query: { q: 'hello', sort: 'recent', limit: '5' } },
  'GET::/api/v1/search/counts': { query: { q: 'hello', since: '{{since}}', until: '{{until}}' } },
};

// Portman overwrites for one operation; `token` replaces its bearer token.
// Fuzz variants leave q and limit to the fuzzer (it drops q, sets limit below 1).
function overwriteFor(op, o, token = o.token, fuzzed = []) {
  const w = { openApiOperation: op };
  if (o.path) w.overwriteRequestPathVariables = Object.entries(o.path).map(([key, value]) => ({ key, value }));
  // No cursor: every list is read from its first page.
  w.overwriteRequestQueryParams = [
    { key: 'cursor', remove: true, insert: false },
    ...Object.entries(o.query ?? {})
      .filter(([key]) => !fuzzed.includes(key))
      .map(([key, value]) => ({ key, value })),
  ];
  if (o.body || o.removeBody)
    w.overwriteRequestBody = [
      ...Object.entries(o.body ?? {}).map(([key, value]) => ({ key, value })),
      ...(o.removeBody ?? []).map((key) => ({ key, remove: true })),
    ];
  if (o.headers) w.overwriteRequestHeaders = Object.entries(o.headers).map(([key, value]) => ({ key, value }));
  if (token) w.overwriteRequestSecurity = bearer(token);
  return w;
}

function overwrites() {
  return Object.entries(operations).map(([op, o]) => overwriteFor(op, o));
}

export function portmanConfig() {
  const fuzzTests = (code) => ({
    contractTests: [
      { openApiOperation: allOps, statusCode: { enabled: true, code } },
      ...contract().slice(0, 3),
    ],
  });
  // Fuzz variants keep the real values but all use the main account's token:
  // none of them may change anything, so none may spend a single-use token.
  const fuzzVariations = (status, fuzzing) =>
    Object.entries(operations)
      .filter(([, o]) => o.body || o.query)
      .map(([op, o]) => ({
        openApiOperation: op,
        openApiResponse: String(status),
        variations: [{ name: 'fuzz', overwrites: [overwriteFor(op, o, '{{token}}', ['q', 'limit'])], fuzzing, tests: fuzzTests(status) }],
      }));
  return {
    version: 1.0,
    tests: {
      contractTests: contract([{ openApiOperation: allOps, statusSuccess: { enabled: true } }]),
      variationTests: [
        ...fuzzVariations(400, [
          {
            requestBody: [{ requiredFields: { enabled: true } }],
            requestQueryParams: [
              { requiredFields: { enabled: true } },
              { minimumNumberFields: { enabled: true } },
              { minLengthFields: { enabled: true } },
              { maxLengthFields: { enabled: true } },
            ],
          },
        ]),
        ...fuzzVariations(422, [{ requestBody: [{ maxLengthFields: { enabled: true } }, { minLengthFields: { enabled: true } }] }]),
      ],
    },
    overwrites: overwrites(),
    globals: {
      securityOverwrites: bearer('{{token}}'),
      // Follow before unfollow, like before unlike, the account-wide changes last.
      orderOfOperations: [
        'POST::/api/v1/users',
        'POST::/api/v1/auth/login',
        'PUT::/api/v1/users/{username}/follow',
        'DELETE::/api/v1/users/{username}/follow',
        'PUT::/api/v1/tweets/{username}/{id}/like',
        'DELETE::/api/v1/tweets/{username}/{id}/like',
      ],
    },
  };
}
