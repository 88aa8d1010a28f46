// 64-bit FNV-1a over UTF-16 code units, printed as 16 hex digits: a stable id for a problem's text.
const OFFSET: u64 = 0xcbf29ce484222325;
const PRIME: u64 = 0x100000001b3;

export function fnv1a(h: u64, s: string): u64 {
  for (let i = 0; i < s.length; i++) h = (h ^ <u64>s.charCodeAt(i)) * PRIME;
  return h;
}

export function contentId(problem: string, question: string, solution: string): string {
  let h = fnv1a(OFFSET, problem);
  h = fnv1a(h, '\n' + question);
  h = fnv1a(h, '\n' + solution);
  return h.toString(16).padStart(16, '0');
}
