// Judges what Prism's validating proxy reported for one exchange (its
// `sl-violations` header: [{location:[...], severity, code, message}]).
//
// The suites deliberately send requests the contract forbids (unknown fields,
// wrong types, missing token, no such route) to check the documented errors, so
// a request-side finding is expected exactly when chirpd refused the request:
//   - any finding about the response (body, headers, undocumented status): violation;
//   - a request found invalid by the spec but accepted by chirpd (status < 400): violation;
//   - "Selected route not found" on anything but a 404 or 405: violation.
// Everything else (a bad request refused with a 4xx) is counted as agreement.
export function judge({ method, status, path, violations }) {
  const problems = [];
  let expectedRejections = 0;
  for (const v of violations) {
    const where = (v.location || []).join('.');
    const what = `${method} ${path} -> ${status}: [${v.severity}] ${where} ${v.message}`;
    if (where.startsWith('response')) {
      problems.push(what);
    } else if (v.message === 'Selected route not found') {
      if (status === 404 || status === 405) expectedRejections++;
      else problems.push(what);
    } else if (status >= 400 && status < 500) {
      expectedRejections++;
    } else {
      problems.push(what);
    }
  }
  return { problems, expectedRejections };
}

export function parseViolations(header) {
  if (!header || header === '-') return [];
  if (header.startsWith('Too many violations!')) {
    return [{ location: ['response'], severity: 'Error', message: header.slice(0, 300) }];
  }
  return JSON.parse(header);
}

// Tallies many exchanges: {requests, withFindings, expectedRejections, problems}.
export class Tally {
  constructor(name) {
    this.name = name;
    this.requests = 0;
    this.withFindings = 0;
    this.expectedRejections = 0;
    this.problems = [];
  }
  add(exchange) {
    this.requests++;
    if (exchange.violations.length) this.withFindings++;
    const r = judge(exchange);
    this.expectedRejections += r.expectedRejections;
    this.problems.push(...r.problems);
  }
}
