// What `npm run record` is asked on its command line: the scenarios (all when none is named) and
// the languages (both unless `--lang` names one), and a language it does not record is refused,
// saying which it does.
import { describe, expect, it } from 'vitest';
import { parseArguments } from '../../scripts/record.ts';

describe('npm run record -- …', () => {
  it('records every scenario in both languages when asked nothing', () => {
    expect(parseArguments([])).toEqual({ ids: [], langs: ['fr', 'en'] });
    expect(parseArguments(['--'])).toEqual({ ids: [], langs: ['fr', 'en'] });
  });

  it('records the scenarios named, in the language --lang names', () => {
    expect(parseArguments(['--', '01-factor', 'cart'])).toEqual({
      ids: ['01-factor', 'cart'],
      langs: ['fr', 'en'],
    });
    expect(parseArguments(['--lang', 'fr', '03-redis-sessions'])).toEqual({
      ids: ['03-redis-sessions'],
      langs: ['fr'],
    });
    expect(parseArguments(['01-factor', '--lang=en'])).toEqual({
      ids: ['01-factor'],
      langs: ['en'],
    });
  });

  it('refuses a language it does not record, saying which it does', () => {
    expect(() => parseArguments(['--lang', 'de'])).toThrow(
      /^--lang takes fr or en, not "de": npm run record -- --lang fr <scenario>$/,
    );
    expect(() => parseArguments(['--lang'])).toThrow(/^--lang takes fr or en, not "":/);
  });
});
