// huiqi's pages work without this script. It folds the search filters away
// on phones, where they would push the results off screen, and keeps the
// policy editor's sandbox up to date while the official types.
"use strict";
if (window.matchMedia("(max-width: 719px)").matches) {
  for (const d of document.querySelectorAll("details.fold[open]")) d.removeAttribute("open");
}

const editor = document.getElementById("editor");
if (editor) {
  const form = document.getElementById("editor-form");
  const doc = document.getElementById("doc");
  const slot = document.getElementById("sandbox-slot");
  // Typing in the YAML makes it the source: the form would otherwise
  // override the keys it covers.
  doc.addEventListener("input", () => {
    form.disabled = true;
    form.querySelector(".yaml-note").hidden = false;
  });
  let timer, seq = 0;
  const refresh = async () => {
    const mine = ++seq;
    try {
      const resp = await fetch("/ui/editor/sandbox", { method: "POST", body: new FormData(editor), credentials: "same-origin" });
      if (resp.ok && mine === seq) slot.innerHTML = await resp.text();
    } catch (e) { /* the sandbox button still works */ }
  };
  editor.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  editor.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 100); });
}
