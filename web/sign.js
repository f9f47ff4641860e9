/* The patient's side at the front desk: read the state notice (verbatim,
 * from the server), sign with a finger or the mouse, accept.  Opened after
 * a quote is issued (the 'rq:issued' event app.js sends) or by the address
 * #sign=NUMBER.  The signature goes to POST /api/quotes/NUMBER/sign as a
 * PNG data URL; the witness is the staff account of the session (docs/api.md). */
'use strict';
(function () {
  const WORDS = {
    en: {
      title: 'Patient signature', open: 'Patient signs', read: 'Read the estimate', notice: 'State notice',
      translation: 'Translation', none: 'No state notice applies to this estimate.',
      name: 'Printed name', clear: 'Clear', sign: 'Sign and accept', busy: 'Saving…',
      empty: 'Please sign in the box first.', noname: 'Please print your name.',
      done: 'Signed and accepted. ', copy: 'Open the accepted copy',
      email: 'E-mail me this estimate (optional)', send: 'Send by e-mail', sent: 'Sent to {to}.',
      consent: 'Your signature below is also your signed consent to the stem cell therapy in this estimate, after reading the notice above, as {citation} requires.'
    },
    es: {
      title: 'Firma del paciente', open: 'Firma del paciente', read: 'Leer el presupuesto', notice: 'Aviso estatal',
      translation: 'Traducción', none: 'A este presupuesto no le corresponde ningún aviso estatal.',
      name: 'Nombre en letra de imprenta', clear: 'Borrar', sign: 'Firmar y aceptar', busy: 'Guardando…',
      empty: 'Firme primero en el recuadro.', noname: 'Escriba su nombre.',
      done: 'Firmado y aceptado. ', copy: 'Abrir la copia aceptada',
      email: 'Envíenme este presupuesto por correo (opcional)', send: 'Enviar por correo', sent: 'Enviado a {to}.',
      consent: 'Su firma de abajo es también su consentimiento firmado para la terapia con células madre de este presupuesto, tras leer el aviso de arriba, como exige {citation}.'
    }
  };
  const $ = (id) => document.getElementById(id);
  const w = (k) => (WORDS[document.documentElement.lang] || WORDS.en)[k];
  let number = null, drawn = false;

  function words() {
    document.querySelectorAll('[data-sign]').forEach((e) => { e.textContent = w(e.dataset.sign); });
  }

  async function call(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (method !== 'GET') {
      headers['X-Regenquote'] = '1';
      headers['Content-Type'] = 'application/json';
      const staff = $('staff') && $('staff').value.trim();
      if (staff) headers['X-Regenquote-User'] = encodeURIComponent(staff);
    }
    try {
      const res = await fetch(path, { method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body) });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      return { status: res.status, data };
    } catch (e) {
      return { status: 0, data: null };
    }
  }

  /* the notice exactly as the server gives it: text nodes only.  On a
   * Spanish quote (or a Spanish page) the Spanish companion follows the
   * English text, marked as a translation, as on the PDF. */
  function showNotice(n, quoteLang) {
    const box = $('sign-notice');
    box.replaceChildren();
    if (!n) {
      box.append(Object.assign(document.createElement('p'), { textContent: w('none') }));
      return;
    }
    const h = Object.assign(document.createElement('h3'), { textContent: w('notice') + ' — ' + n.state_name });
    const p = Object.assign(document.createElement('p'), { className: 'notice-text', lang: 'en', textContent: n.text });
    const c = Object.assign(document.createElement('p'), { className: 'fineprint', textContent: n.citation });
    box.append(h, p, c);
    if (n.text_es && (quoteLang === 'es' || document.documentElement.lang === 'es')) {
      const tr = Object.assign(document.createElement('div'), { className: 'notice-translation', lang: 'es' });
      tr.setAttribute('role', 'note');
      tr.append(Object.assign(document.createElement('p'), { className: 'translation-note', textContent: n.translation_note_es || '' }),
        Object.assign(document.createElement('p'), { className: 'notice-text-es', textContent: n.text_es }));
      box.append(tr);
    }
    /* where the law requires signed consent (Utah), the signature is that consent */
    if (n.signed_consent)
      box.append(Object.assign(document.createElement('p'), { className: 'notice-consent',
        textContent: w('consent').replace('{citation}', n.citation) }));
  }

  async function open(num) {
    number = num;
    words();
    $('sign-number').textContent = num;
    $('sign-read').href = '/api/quotes/' + encodeURIComponent(num) + '/pdf';
    $('sign-result').textContent = '';
    $('sign-error').textContent = '';
    $('sign-sent').textContent = '';
    $('sign-send').hidden = true;
    clear();
    $('sign-panel').hidden = false;
    const r = await call('GET', '/api/quotes/' + encodeURIComponent(num) + '/notice');
    showNotice(r.status === 200 && r.data ? r.data.notice : null, r.data ? r.data.language : null);
    $('sign-panel').scrollIntoView({ block: 'start' });
  }

  function clear() {
    const cv = $('sign-pad'), g = cv.getContext('2d');
    g.clearRect(0, 0, cv.width, cv.height);
    drawn = false;
  }

  function pad() {
    const cv = $('sign-pad'), g = cv.getContext('2d');
    let last = null;
    const at = (e) => {
      const r = cv.getBoundingClientRect();
      return { x: (e.clientX - r.left) * cv.width / r.width, y: (e.clientY - r.top) * cv.height / r.height };
    };
    cv.addEventListener('pointerdown', (e) => { cv.setPointerCapture(e.pointerId); last = at(e); e.preventDefault(); });
    cv.addEventListener('pointermove', (e) => {
      if (!last) return;
      const p = at(e);
      g.strokeStyle = '#14213d';
      g.lineWidth = 3;
      g.lineCap = 'round';
      g.beginPath();
      g.moveTo(last.x, last.y);
      g.lineTo(p.x, p.y);
      g.stroke();
      last = p;
      drawn = true;
    });
    const up = () => { last = null; };
    cv.addEventListener('pointerup', up);
    cv.addEventListener('pointercancel', up);
  }

  async function sign() {
    $('sign-error').textContent = '';
    const name = $('sign-name').value.trim();
    if (!drawn) { $('sign-error').textContent = w('empty'); return; }
    if (!name) { $('sign-error').textContent = w('noname'); return; }
    const btn = $('sign-submit');
    btn.disabled = true;
    btn.textContent = w('busy');
    const email = $('sign-email').value.trim();
    const body = { signer: name, signature: $('sign-pad').toDataURL('image/png') };
    if (email) body.email = email;   /* the patient's consent to receive it by e-mail */
    const r = await call('POST', '/api/quotes/' + encodeURIComponent(number) + '/sign', body);
    btn.disabled = false;
    btn.textContent = w('sign');
    if (r.status === 201) {
      const a = Object.assign(document.createElement('a'), {
        href: '/api/quotes/' + encodeURIComponent(number) + '/accepted', target: '_blank', rel: 'noopener',
        id: 'sign-accepted', textContent: w('copy') });
      $('sign-result').replaceChildren(document.createTextNode(w('done')), a);
      $('sign-send').hidden = !email;
    } else {
      const errs = r.data && Array.isArray(r.data.errors) ? r.data.errors.map((e) => e.message) : ['HTTP ' + r.status];
      $('sign-error').textContent = errs.join(' ');
    }
  }

  async function send() {
    const to = $('sign-email').value.trim();
    $('sign-error').textContent = '';
    $('sign-send').disabled = true;
    const r = await call('POST', '/api/quotes/' + encodeURIComponent(number) + '/send', { to });
    $('sign-send').disabled = false;
    if (r.status === 200) $('sign-sent').textContent = w('sent').replace('{to}', to);
    else $('sign-error').textContent = r.data && Array.isArray(r.data.errors)
      ? r.data.errors.map((e) => e.message).join(' ') : 'HTTP ' + r.status;
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (!$('sign-panel')) return;
    pad();
    $('sign-clear').addEventListener('click', clear);
    $('sign-submit').addEventListener('click', sign);
    $('sign-send').addEventListener('click', send);
    $('sign-open').addEventListener('click', () => { if (number) open(number); });
    document.addEventListener('rq:issued', (e) => { number = e.detail.number; $('sign-open').hidden = false; });
    const fromHash = () => {
      const m = /^#sign=([A-Za-z0-9._-]{1,64})$/.exec(location.hash);
      if (m && m[1] !== number) open(m[1]);
    };
    window.addEventListener('hashchange', fromHash);
    fromHash();
  });
}());
