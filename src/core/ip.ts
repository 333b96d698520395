/** IP literal checks for app/ (which imports no node: I/O module; isIP is pure). */
export { isIP } from 'node:net';
