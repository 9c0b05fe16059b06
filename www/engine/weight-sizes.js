// How large a layer's weights are, for the network diagram's edges and its layer detail. Pure, so it
// is tested in Node.

/**
 * Sizes of one weight tensor whose first axis is the output (conv [f, c, kh, kw], dense [out, in]):
 * mean |w| over all of it, and ‖w_row‖₂ for each filter or unit.
 */
export function weightSizes(values, rows) {
  const norms = new Float32Array(rows);
  const per = rows > 0 ? values.length / rows : 0;
  let abs = 0;
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let i = r * per; i < (r + 1) * per; i++) {
      const v = values[i];
      abs += Math.abs(v);
      sq += v * v;
    }
    norms[r] = Math.sqrt(sq);
  }
  return { meanAbs: values.length ? abs / values.length : 0, norms };
}
