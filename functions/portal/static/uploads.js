// Uploads, on every page with an uploader (homework's work and material,
// a portfolio's proof scans): each chosen file goes straight to the object
// store — a ticket from the portal (the owning function signs it for this
// file's type and size), the bytes PUT to the signed URL with a progress
// bar, then the portal is told, and the function checks the bytes (type,
// viruses) before anyone else may download the file.
//
// An uploader says where its tickets come from (data-ticket-url, with
// data-for sent along) and where a file is confirmed (data-confirm-url +
// the file's id + /confirm).
(function () {
  'use strict';

  function csrf() {
    var el = document.querySelector('input[name=csrf]');
    return el ? el.value : '';
  }

  // post sends a form to the portal and reads its JSON answer (a problem
  // when refused: its detail is worded for people).
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set('csrf', csrf());
    return fetch(url, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'Accept': 'application/json'}
    }).then(function (res) {
      var type = res.headers.get('Content-Type') || '';
      if (type.indexOf('json') < 0) {
        throw new Error(res.status === 401 || res.redirected
          ? 'Сеанс завершён: обновите страницу и войдите снова.'
          : 'Сервер не ответил как ожидалось (' + res.status + ').');
      }
      return res.json().then(function (v) {
        if (!res.ok) {
          var why = (v.errors && v.errors.length && v.errors[0].message) || v.detail || v.title;
          throw new Error(why || ('Отказ: ' + res.status));
        }
        return v;
      });
    });
  }

  // Types browsers leave empty or vague, by the file's extension.
  var byExtension = {
    pdf: 'application/pdf', txt: 'text/plain', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png',
    gif: 'image/gif', webp: 'image/webp', heic: 'image/heic', zip: 'application/zip', rar: 'application/vnd.rar',
    '7z': 'application/x-7z-compressed', rtf: 'application/rtf', doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet',
    odp: 'application/vnd.oasis.opendocument.presentation'
  };

  function typeOf(file) {
    var ext = (file.name.split('.').pop() || '').toLowerCase();
    return byExtension[ext] || file.type || 'application/octet-stream';
  }

  // put sends the file to the signed URL, reporting progress (0..1).
  function put(ticket, file, progress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(ticket.method || 'PUT', ticket.url);
      Object.keys(ticket.headers || {}).forEach(function (k) {
        if (k.toLowerCase() !== 'content-length') xhr.setRequestHeader(k, ticket.headers[k]);
      });
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) progress(e.loaded / e.total);
      };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(new Error('Хранилище не приняло файл (' + xhr.status + ').'));
      };
      xhr.onerror = function () { reject(new Error('Нет связи с хранилищем файлов.')); };
      xhr.send(file);
    });
  }

  function uploadOne(box, file) {
    var list = box.querySelector('.upload-progress');
    var li = document.createElement('li');
    li.className = 'upload';
    var name = document.createElement('span');
    name.textContent = file.name + ' ';
    var bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement('span');
    status.className = 'upload-status small';
    status.textContent = ' готовится…';
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(status);
    list.appendChild(li);
    var fail = function (err) {
      li.dataset.state = 'failed';
      status.textContent = ' ' + err.message;
      status.classList.add('field-error');
    };
    return post(box.dataset.ticketUrl, {
      'for': box.dataset.for, name: file.name, content_type: typeOf(file), size: String(file.size)
    }).then(function (ticket) {
      li.dataset.fileId = ticket.file.id;
      status.textContent = ' загружается…';
      return put(ticket, file, function (p) { bar.value = Math.round(p * 100); })
        .then(function () {
          bar.value = 100;
          status.textContent = ' проверяется…';
          return post(box.dataset.confirmUrl + ticket.file.id + '/confirm', {});
        });
    }).then(function (f) {
      li.dataset.state = f.state;
      status.textContent = f.state === 'clean' ? ' загружен' : (' отклонён: ' + (f.refusal || ''));
    }, fail);
  }

  document.addEventListener('change', function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains('upload-input')) return;
    var box = input.closest('.uploader');
    var files = Array.prototype.slice.call(input.files || []);
    box.dataset.busy = '1';
    // One after another: a pupil's phone on a slow line does better so.
    files.reduce(function (chain, file) {
      return chain.then(function () { return uploadOne(box, file); });
    }, Promise.resolve()).then(function () {
      delete box.dataset.busy;
      input.value = '';
    });
  });

})();
