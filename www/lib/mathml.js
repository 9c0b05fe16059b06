// Formulas as real math: MathML (rendered by the browser itself, no library, no download), built
// from a small tree of arrays, [tag, ...children], where a child is a tree or text. Text only ever
// becomes text nodes; where MathML is not rendered, the formula's plain-text form is shown instead.
//
//   ['mrow', ['mi', 'θ'], ['mo', '←'], ['mi', 'θ'], ['mo', '−'], ['mi', 'η'], ['mi', 'g']]

const NS = 'http://www.w3.org/1998/Math/MathML';
const TAGS = new Set(['mrow', 'mi', 'mo', 'mn', 'mfrac', 'msup', 'msub', 'msubsup', 'msqrt', 'mtext', 'munderover', 'munder', 'mspace']);

function build(tree) {
  if (typeof tree === 'string' || typeof tree === 'number') return document.createTextNode(String(tree));
  const [tag, ...children] = tree;
  if (!TAGS.has(tag)) throw new Error(`not a MathML element this page draws: ${tag}`);
  const el = document.createElementNS(NS, tag);
  for (const child of children) el.append(build(child));
  return el;
}

/** The tree's text, in reading order ("θ ← θ − η g"), for a label and for browsers without MathML. */
export function mathText(tree) {
  if (typeof tree === 'string' || typeof tree === 'number') return String(tree);
  const [tag, ...children] = tree;
  const parts = children.map(mathText);
  if (tag === 'mfrac') return `(${parts[0]}) / (${parts[1]})`;
  if (tag === 'msup') return `${parts[0]}^${parts[1]}`;
  if (tag === 'msub') return `${parts[0]}_${parts[1]}`;
  if (tag === 'msqrt') return `√(${parts.join(' ')})`;
  return parts.join(tag === 'mrow' ? ' ' : '');
}

/** Whether this browser lays MathML out (MathML Core: Chromium 109+, Firefox, Safari): a fraction
 * drawn as math is as wide as its wider part, the same letters as plain text are as wide as both. */
export function rendersMathML() {
  if (typeof document === 'undefined' || !document.body) return false;
  const probe = document.createElementNS(NS, 'math');
  probe.append(build(['mfrac', ['mi', 'xxxxxxxx'], ['mi', 'xxxxxxxx']]));
  const text = document.createElement('span');
  text.textContent = 'xxxxxxxxxxxxxxxx';
  for (const el of [probe, text]) {
    el.style.position = 'absolute';
    el.style.visibility = 'hidden';
    document.body.append(el);
  }
  const stacked = probe.getBoundingClientRect().width < 0.75 * text.getBoundingClientRect().width;
  probe.remove();
  text.remove();
  return stacked;
}

/** A display formula: <math display="block"> with the tree, labelled with its text; plain text without MathML. */
export function mathBlock(tree, { plain = !rendersMathML() } = {}) {
  const text = mathText(tree);
  if (plain) {
    const p = document.createElement('p');
    p.className = 'formula';
    p.textContent = text;
    return p;
  }
  const math = document.createElementNS(NS, 'math');
  math.setAttribute('display', 'block');
  math.setAttribute('aria-label', text);
  math.append(build(tree));
  return math;
}
