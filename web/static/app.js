// huiqi's pages work without this script; it only folds the search
// filters away on phones, where they would push the results off screen.
"use strict";
if (window.matchMedia("(max-width: 719px)").matches) {
  for (const d of document.querySelectorAll("details.fold[open]")) d.removeAttribute("open");
}
