/** Which CLI entry bin/quick-photos.js runs (see entry.js). */
export function cliEntry(root: string): { kind: 'compiled' | 'tsx'; path: string };
