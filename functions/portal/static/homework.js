// Homework pages (uploads: uploads.js).
//
// Review queue: ↓/↑ (or j/k) move from work to work; in the mark field a
// digit and Enter accept the work with that mark.
(function () {
  'use strict';

  // The review queue from the keyboard.
  function items() {
    return Array.prototype.slice.call(document.querySelectorAll('.review-item'));
  }

  function focusItem(item) {
    if (!item) return;
    item.scrollIntoView({block: 'nearest'});
    var mark = item.querySelector('.review-mark') || item.querySelector('textarea');
    (mark || item).focus();
  }

  document.addEventListener('keydown', function (e) {
    var el = e.target;
    var item = el.closest && el.closest('.review-item');
    if (!item) return;
    var inText = el.tagName === 'TEXTAREA';
    var step = 0;
    if (e.key === 'ArrowDown' || (!inText && e.key === 'j' && !el.classList.contains('review-mark'))) step = 1;
    if (e.key === 'ArrowUp' || (!inText && e.key === 'k' && !el.classList.contains('review-mark'))) step = -1;
    if (inText && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) step = 0; // the comment keeps its arrows
    if (step !== 0) {
      e.preventDefault();
      var all = items();
      focusItem(all[all.indexOf(item) + step]);
      return;
    }
    if (e.key === 'Enter' && el.classList.contains('review-mark')) {
      e.preventDefault();
      if (el.value.trim() !== '') item.querySelector('.review-accept').click();
    }
  });

  // On the queue, the first work waiting is ready for its mark.
  var first = items()[0];
  if (first && !document.querySelector('#review-error')) focusItem(first);
})();
