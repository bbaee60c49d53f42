import { hasLoneSurrogate } from '../../ingest/validate.ts';
import { badParam } from '../errors.ts';

function problem(text: string): string | undefined {
  if (hasLoneSurrogate(text)) return 'must be well-formed Unicode (no lone surrogates)';
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  return undefined;
}

/**
 * 400 naming the first field of a JSON body whose text (value or key) cannot be stored
 * and read back unchanged: a lone surrogate ("\ud800") is not UTF-8 (SQLite keeps U+FFFD,
 * PostgreSQL refuses the row) and PostgreSQL text cannot hold U+0000 (a 500 there, found
 * by the fuzz with FUZZ_PG=1). Iterative, so a deeply nested body cannot overflow the stack.
 */
export function assertStorableText(body: unknown): void {
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      const why = problem(value);
      if (why) throw badParam(path || 'body', why);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        stack.push({ value: v, path: `${path}[${i}]` });
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        const at = path ? `${path}.${k}` : k;
        const why = problem(k);
        if (why) throw badParam(at, `key ${why}`);
        stack.push({ value: v, path: at });
      }
    }
  }
}
