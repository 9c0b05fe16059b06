// Builders of the small MathML trees lib/mathml.js draws ([tag, ...children]); pure data, so the
// lessons (state/presets.js) and the layer formulas (lib/layer-formulas.js) share them, in Node too.

export const mi = (x) => ['mi', x];
export const mo = (x) => ['mo', x];
export const mn = (x) => ['mn', String(x)];
export const row = (...children) => ['mrow', ...children];
export const frac = (a, b) => ['mfrac', a, b];
export const sup = (a, b) => ['msup', a, b];
export const sub = (a, b) => ['msub', a, b];
export const sum = (under) => ['munder', mo('∑'), under];
export const mtext = (x) => ['mtext', x];
export const mspace = () => ['mspace'];
export const msqrt = (x) => ['msqrt', x];
