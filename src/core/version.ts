/** edgectl's own version; the build replaces __EDGECTL_VERSION__ from package.json. */
declare const __EDGECTL_VERSION__: string | undefined;

export const EDGECTL_VERSION: string =
  typeof __EDGECTL_VERSION__ === 'string' ? __EDGECTL_VERSION__ : '0.0.0-dev';
