// The weighted 280 count with the server's rules (twitter-text v3 parseTweet).
// The ES-module file alone keeps the bundle small (no autolink helpers).
import parseTweet from 'twitter-text/dist/esm/parseTweet';

export const MAX_WEIGHTED = 280;

export function weightedLength(text) {
  return parseTweet(text).weightedLength;
}
