// A report's page: a prefilled cell given another number asks why (the
// reason field appears beside it); the draft saves itself a few seconds
// after the last change, and says when it did or why it could not.
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  if (!form || form.dataset.editable !== 'true') return;
  var state = document.getElementById('autosave-state');
  var version = document.getElementById('report-version');
  var timer = null;
  var saving = false;
  var waiting = null; // a button pressed while a save was on its way

  function showWhy(input) {
    if (!input.hasAttribute('data-prefilled')) return;
    var why = input.parentNode.querySelector('.why');
    if (why) why.hidden = input.value.trim() === input.dataset.prefilled;
  }

  function say(text) { if (state) state.textContent = text; }

  function save() {
    if (saving) { schedule(); return; }
    saving = true;
    var data = new FormData(form);
    data.set('action', 'save');
    fetch(form.action, {method: 'POST', body: new URLSearchParams(data), headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
      .then(function (resp) {
        return resp.json().then(function (body) { return {ok: resp.ok, body: body}; }, function () { return {ok: false, body: {}}; });
      })
      .then(function (res) {
        saving = false;
        if (waiting) { var b = waiting; waiting = null; setTimeout(function () { b.click(); }, 0); }
        if (res.ok) {
          version.value = res.body.version;
          var up = document.querySelector('#upload-form input[name=version]');
          if (up) up.value = res.body.version;
          say('Черновик сохранён в ' + new Date().toLocaleTimeString('ru-RU'));
        } else {
          var why = res.body.detail || 'ошибка';
          if (res.body.errors && res.body.errors.length) why += ': ' + res.body.errors[0].message;
          say('Не сохранено: ' + why);
        }
      }, function () {
        saving = false;
        say('Не сохранено: нет связи, повторим при следующем изменении');
        if (waiting) { var b = waiting; waiting = null; b.click(); }
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  }

  form.addEventListener('input', function (e) {
    if (e.target.name && e.target.name.indexOf('v.') === 0) showWhy(e.target);
    say('Есть несохранённые изменения');
    schedule();
  });
  // A button pressed while a save is on its way waits for it: the form
  // then carries the version that save made.
  form.addEventListener('submit', function (e) {
    clearTimeout(timer);
    if (saving) { e.preventDefault(); waiting = e.submitter || null; }
  });
  Array.prototype.forEach.call(form.querySelectorAll('input[data-prefilled]'), showWhy);
})();
