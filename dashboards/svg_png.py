"""A link that saves an SVG picture as a PNG: the same picture, drawn by the browser.

A page's downloadable picture is drawn once, as SVG, by one function (the
Planner's: :func:`analysis.planner.figure.clock_face_svg`, with its title and
numbered key and no selection). :class:`PngLink` hands that SVG to the
visitor's browser, which draws it on a canvas at ``scale`` and makes the
link's ``href`` the canvas's PNG as a ``data:`` URI (in Voilà a ``FileLink``
answers 403; a ``data:`` URI works). So the PNG and the SVG are one picture,
and the PNG needs nothing on the server.

Until the browser has drawn it (a moment) the link has no ``href`` and says so
to assistive technology (``aria-disabled``).
"""

from __future__ import annotations

import anywidget
import traitlets

ESM = """
function render({ model, el }) {
  const note = document.createElement("p");
  note.className = "ks3-note";
  const link = document.createElement("a");
  note.appendChild(link);
  el.appendChild(note);
  let drawing = 0;
  function draw() {
    const svg = model.get("svg");
    const mine = ++drawing;
    link.textContent = model.get("text");
    link.download = model.get("filename");
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
    if (!svg) return;
    const image = new Image();
    image.onload = () => {
      if (mine !== drawing) return;  // a newer picture is being drawn
      const scale = model.get("scale");
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(image.naturalWidth * scale);
      canvas.height = Math.round(image.naturalHeight * scale);
      const context = canvas.getContext("2d");
      context.fillStyle = "white";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      link.href = canvas.toDataURL("image/png");
      link.removeAttribute("aria-disabled");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  }
  model.on("change:svg", draw);
  draw();
  return () => model.off("change:svg", draw);
}
export default { render };
"""


class PngLink(anywidget.AnyWidget):
    """A link saving ``svg`` as ``filename`` (a PNG at ``scale`` times its size).

    Set ``svg`` again whenever the picture changes; the link follows.
    """

    _esm = ESM
    svg = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("picture.png").tag(sync=True)
    text = traitlets.Unicode("Picture (PNG)").tag(sync=True)
    scale = traitlets.Float(2.0).tag(sync=True)
