// Keyboard entry in the journal's columns: Enter or ↓ moves to the next
// pupil's mark, ↑ to the previous; Enter on the last mark goes to the save
// button instead of submitting half-typed work.
function isMarkInput(el) {
  return el && el.classList && el.classList.contains('mark-input');
}

document.addEventListener('keydown', function (e) {
  var el = e.target;
  if (!isMarkInput(el)) return;
  var step = (e.key === 'Enter' || e.key === 'ArrowDown') ? 1 : (e.key === 'ArrowUp' ? -1 : 0);
  if (step === 0) return;
  e.preventDefault();
  var inputs = Array.prototype.slice.call(el.form.querySelectorAll('input.mark-input'));
  var next = inputs[inputs.indexOf(el) + step];
  if (next) {
    next.focus();
    next.select();
  } else if (step > 0) {
    var save = el.form.querySelector('button[type=submit]');
    if (save) save.focus();
  }
});

// Enter never submits the form from a mark: some keyboards (and remote
// drivers) deliver its keypress after the focus has moved on.
document.addEventListener('keypress', function (e) {
  if (e.key === 'Enter' && isMarkInput(e.target)) e.preventDefault();
});
