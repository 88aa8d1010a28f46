// Store paths as the memory and OPFS stores read them: '/'-separated, relative to the store's root
// (a leading '/' or a '.' part means nothing), never leaving it.

/** The parts of a store path; '' and '/' are the root (no parts). */
export function pathParts(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`store path '${path}': '..' is not allowed; give a path inside the store`);
  return parts;
}
