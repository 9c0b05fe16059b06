//! The widget in a page of its own, for sites that embed it in an iframe (a page on another origin
//! cannot start the widget's worker itself). The query string becomes the element's attributes:
//! frame.html?preset=tiny-mlp&lr=0.01&hide=network,dataset
import './nn-playground.js';

const widget = document.createElement('nn-playground');
for (const [name, value] of new URLSearchParams(window.location.search)) {
  try {
    widget.setAttribute(name, value);
  } catch {
    // Not a valid attribute name: no setting has such a name, so there is nothing to apply.
  }
}
document.body.append(widget);
