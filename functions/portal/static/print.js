// A printable page's «Печать» button (the CSP allows no inline script).
(function () {
  'use strict';
  var b = document.querySelector('[data-print]');
  if (b) b.addEventListener('click', function () { window.print(); });
})();
