/* regenquote front desk: the page over the JSON API (docs/api.md).
 * Every piece of data is put on the page with textContent or as an
 * attribute value; nothing is ever parsed as HTML. */
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const I18N = window.RQ_I18N;
  const state = {
    lang: 'en', session: null, catalog: null, revising: null, seq: 0, timer: null,
    quote: null, errors: null, issuedFor: null, quoteLangTouched: false, results: null, busy: false
  };

  /* ---- words and numbers ------------------------------------------------ */

  function t(key, vars) {
    let s = (I18N[state.lang] && I18N[state.lang][key]) || I18N.en[key] || key;
    if (vars) for (const k of Object.keys(vars)) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }

  function money(cents) {
    if (typeof cents !== 'number' || !isFinite(cents)) return '—';
    const fmt = new Intl.NumberFormat(state.lang === 'es' ? 'es-US' : 'en-US',
      { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });
    return fmt.format(cents / 100);
  }

  function percent(bp) {
    const v = bp / 100;
    return (Number.isInteger(v) ? String(v) : v.toFixed(2)) + '%';
  }

  /* Build an element: el('div', { className: 'x', text: 'y' }, child, …). */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'text') e.textContent = v;
        else if (k === 'className') e.className = v;
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
        else if (k in e && typeof v !== 'string') e[k] = v;
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  /* ---- the API ------------------------------------------------------------ */

  async function api(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (method !== 'GET') {
      headers['X-Regenquote'] = '1';
      headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetch(path, {
        method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body))
      });
    } catch (e) {
      return { status: 0, data: { errors: [{ field: null, message: t('errors.network') }] } };
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    /* a session that ended (idle, too old, signed out elsewhere): sign in again */
    if (res.status === 401 && path !== '/api/login') showLogin(state.session && state.session.authenticated);
    return { status: res.status, data };
  }

  /* May the signed-in account do this ("issue", "void", "audit", …)? */
  function may(action) {
    const u = state.session && state.session.user;
    return !!(u && Array.isArray(u.may) && u.may.includes(action));
  }

  function errorsOf(r) {
    if (r.data && Array.isArray(r.data.errors)) return r.data.errors;
    return [{ field: null, message: 'HTTP ' + r.status }];
  }

  function fieldLabel(path) {
    if (!path) return '';
    const base = path.replace(/\[\d+\].*$/, '').replace(/^(patient\.[a-z_]+).*$/, '$1');
    const key = 'field.' + base;
    const label = t(key);
    return label === key ? path : label;
  }

  /* ---- language ----------------------------------------------------------- */

  function applyLang() {
    document.documentElement.lang = state.lang;
    for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    for (const b of document.querySelectorAll('.lang-btn'))
      b.setAttribute('aria-pressed', b.dataset.lang === state.lang ? 'true' : 'false');
    if (!state.quoteLangTouched) $('quote-lang').value = state.lang;
    $('issue').textContent = state.busy ? t('issue.busy') : state.revising ? t('issue.revise') : t('issue.button');
    if (state.catalog) renderCatalog(readForm());
    renderSummary();
    if (state.results) renderResults(state.results);
    if (state.session && state.session.user) $('who-role').textContent = '(' + t('role.' + state.session.user.role) + ')';
  }

  function setLang(lang) {
    state.lang = lang === 'es' ? 'es' : 'en';
    try { localStorage.setItem('rq.lang', state.lang); } catch (e) { /* private mode */ }
    applyLang();
    reloadCatalog();
  }

  /* The price tables' names in the page's language; the choices made stay. */
  async function reloadCatalog() {
    if (!state.catalog) return;
    const req = buildRequest();
    const ql = $('quote-lang').value, touched = state.quoteLangTouched;
    const c = await api('GET', '/api/catalog?lang=' + state.lang);
    if (c.status !== 200 || !c.data) return;
    state.catalog = c.data;
    fillForm(req);
    $('quote-lang').value = ql;
    state.quoteLangTouched = touched;
    applyLang();
  }

  /* ---- the catalog as form controls --------------------------------------- */

  function choice(type, name, value, title, note, opts) {
    opts = opts || {};
    const input = el('input', { type, name, value, id: name + '-' + value, disabled: !!opts.disabled, checked: !!opts.checked });
    const label = el('label', { className: 'choice' + (opts.disabled ? ' disabled' : ''), for: name + '-' + value },
      input, el('span', { className: 'choice-title', text: title }),
      note ? el('span', { className: 'choice-note', text: note }) : null);
    if (opts.title) label.title = opts.title;
    return label;
  }

  /* Render every list from the catalog, keeping the choices in `keep`. */
  function renderCatalog(keep) {
    const c = state.catalog;
    $('clinic-name').textContent = c.clinic.name || 'regenquote';
    $('areas-hint').textContent = t('areas.max', { n: c.max_areas });

    const areas = $('areas'); clear(areas);
    for (const a of c.areas)
      areas.appendChild(choice('checkbox', 'area', a.id, a.name, null, { checked: keep.areas.includes(a.id) }));

    const sources = $('sources'); clear(sources);
    for (const s of c.sources) {
      const note = s.research_only ? t('source.research') + ': ' + s.research_only
        : t(s.origin === 'allogeneic' ? 'source.allogeneic' : 'source.autologous');
      sources.appendChild(choice('radio', 'source', s.id, s.name, note,
        { disabled: !!s.research_only, checked: keep.source === s.id && !s.research_only }));
    }

    const guidance = $('guidance'); clear(guidance);
    for (const g of c.guidance)
      guidance.appendChild(choice('radio', 'guidance', g.id, g.name, money(g.price_cents),
        { checked: (keep.guidance || c.default_guidance) === g.id }));

    const adj = $('adjuncts'); clear(adj);
    for (const a of c.adjuncts) {
      const k = keep.adjuncts[a.id];
      const on = k ? k.on : a.included;
      const row = el('div', { className: 'adjunct' + (on ? ' on' : '') });
      const box = el('input', { type: 'checkbox', name: 'adjunct', value: a.id, id: 'adj-' + a.id, checked: on });
      const tags = [];
      if (a.included) tags.push(t('adjuncts.included'));
      if (a.coverage === 'separate') tags.push(t('adjuncts.separate'));
      else if (a.coverage === 'may_be_billable') tags.push(t('adjuncts.billable'));
      row.appendChild(el('label', { className: 'adj-main', for: 'adj-' + a.id }, box,
        el('span', { className: 'adj-text' },
          el('span', { className: 'adj-desc', text: a.description }),
          tags.length ? el('span', { className: 'tag', text: tags.join(' · ') }) : null)));
      const right = el('div', { className: 'adj-right' });
      if (a.max_count > 1) {
        right.appendChild(el('input', {
          type: 'number', className: 'count', name: 'count', min: '1', max: String(a.max_count),
          value: String(k && k.count ? k.count : a.default_count), id: 'count-' + a.id,
          'aria-label': t('adjuncts.count') + ' — ' + a.name, disabled: !on
        }));
        right.appendChild(el('span', { className: 'adj-x', text: '× ' }));
      }
      right.appendChild(el('span', { className: 'adj-price', text: money(a.price_cents) }));
      row.appendChild(right);
      adj.appendChild(row);
    }

    const pk = $('package'); clear(pk);
    pk.appendChild(el('option', { value: '', text: t('package.none') }));
    for (const p of c.packages) pk.appendChild(el('option', { value: p.id, text: p.name + ' — ' + money(p.price_cents) }));
    pk.value = keep.package || '';

    const ds = $('discounts'); clear(ds);
    for (const d of c.discounts) {
      const k = keep.discounts[d.id];
      let fixed = '';
      if (!d.staff_enters_value) fixed = d.type === 'percent' ? percent(d.percent_bp) : money(d.amount_cents);
      else fixed = t('discounts.upto', { v: d.type === 'percent' ? percent(d.max_percent_bp) : money(d.max_amount_cents) });
      const row = el('div', { className: 'discount' + (k ? ' on' : '') });
      row.appendChild(el('label', { className: 'disc-main', for: 'disc-' + d.id },
        el('input', { type: 'checkbox', name: 'discount', value: d.id, id: 'disc-' + d.id, checked: !!k }),
        el('span', { className: 'disc-name', text: d.name }),
        el('span', { className: 'choice-note', text: fixed + (d.requires_reason ? ' · ' + t('discounts.needsreason') : '') })));
      const extra = el('div', { className: 'disc-extra' });
      if (d.staff_enters_value)
        extra.appendChild(el('label', { className: 'inline' },
          el('span', { text: t('discounts.value') + ' (' + t(d.type === 'percent' ? 'discounts.percent' : 'discounts.amount') + ')' }),
          el('input', { className: 'disc-value', id: 'disc-value-' + d.id, inputmode: 'decimal', value: k ? k.value : '', disabled: !k })));
      if (d.requires_reason)
        extra.appendChild(el('label', { className: 'inline grow' },
          el('span', { text: t('discounts.reason') }),
          el('input', { className: 'disc-reason', id: 'disc-reason-' + d.id, maxlength: '200', value: k ? k.reason : '', disabled: !k })));
      if (extra.childNodes.length) row.appendChild(extra);
      ds.appendChild(row);
    }

    const prov = $('provider'); clear(prov);
    for (const p of c.clinic.providers) prov.appendChild(el('option', { value: p.id, text: p.name }));
    prov.value = keep.provider || c.clinic.default_provider || '';
    const loc = $('location'); clear(loc);
    for (const l of c.clinic.locations) loc.appendChild(el('option', { value: l.id, text: l.name }));
    loc.value = keep.location || c.clinic.default_location || '';

    $('sessions').max = String(c.sessions.max);
    $('spacing').min = String(c.sessions.min_spacing_weeks);
    $('spacing').max = String(c.sessions.max_spacing_weeks);
    $('spacing').placeholder = String(c.sessions.spacing_weeks);
    renderMethods(keep.method);
    updateDependent();
  }

  /* Methods depend on the source: those that do not fit are disabled, with why. */
  function renderMethods(keepMethod) {
    const c = state.catalog;
    const src = checkedValue('source');
    const box = $('methods'); clear(box);
    const fitting = c.methods.filter((m) => src && m.fits.includes(src));
    let chosen = keepMethod && fitting.some((m) => m.id === keepMethod) ? keepMethod : null;
    if (!chosen && fitting.length === 1) chosen = fitting[0].id;
    const sourceName = (id) => (c.sources.find((s) => s.id === id) || { name: id }).name;
    for (const m of c.methods) {
      const fits = src && m.fits.includes(src);
      const list = m.fits.map(sourceName).join(', ');
      const note = !src ? t('method.fits', { list }) : fits ? t('method.fits', { list }) : t('method.nofit', { list });
      box.appendChild(choice('radio', 'method', m.id, m.name, note, { disabled: !fits, checked: chosen === m.id }));
    }
    if (!src) box.appendChild(el('p', { className: 'hint', text: t('method.pick') }));
  }

  function checkedValue(name) {
    const e = document.querySelector('input[name="' + name + '"]:checked');
    return e ? e.value : '';
  }

  /* Enable/disable what depends on other choices. */
  function updateDependent() {
    const c = state.catalog;
    const n = document.querySelectorAll('input[name="area"]:checked').length;
    for (const b of document.querySelectorAll('input[name="area"]')) {
      b.disabled = !b.checked && n >= c.max_areas;
      b.closest('label').classList.toggle('disabled', b.disabled);
    }
    const sessions = parseInt($('sessions').value, 10) || 1;
    $('spacing-wrap').hidden = sessions < 2;
    $('repeat-wrap').hidden = sessions < 2;
    for (const row of document.querySelectorAll('.adjunct')) {
      const on = row.querySelector('input[name="adjunct"]').checked;
      row.classList.toggle('on', on);
      const cnt = row.querySelector('input.count');
      if (cnt) cnt.disabled = !on;
    }
    for (const row of document.querySelectorAll('.discount')) {
      const on = row.querySelector('input[name="discount"]').checked;
      row.classList.toggle('on', on);
      for (const i of row.querySelectorAll('.disc-extra input')) i.disabled = !on;
    }
    const pid = $('package').value;
    const p = c.packages.find((x) => x.id === pid);
    $('package-hint').textContent = p ? t('package.includes', {
      list: p.includes.map((i) => (i.quantity > 1 ? i.quantity + ' × ' : '') + i.description).join('; '),
      alc: money(p.a_la_carte_cents), price: money(p.price_cents)
    }) : '';
  }

  /* ---- form <-> request ----------------------------------------------------- */

  /* The form's choices, in a shape renderCatalog can restore. */
  function readForm() {
    const f = { areas: [], adjuncts: {}, discounts: {} };
    for (const b of document.querySelectorAll('input[name="area"]:checked')) f.areas.push(b.value);
    f.source = checkedValue('source');
    f.method = checkedValue('method');
    f.guidance = checkedValue('guidance');
    for (const row of document.querySelectorAll('.adjunct')) {
      const b = row.querySelector('input[name="adjunct"]');
      const cnt = row.querySelector('input.count');
      f.adjuncts[b.value] = { on: b.checked, count: cnt ? cnt.value : '' };
    }
    for (const row of document.querySelectorAll('.discount')) {
      const b = row.querySelector('input[name="discount"]');
      if (!b.checked) continue;
      const v = row.querySelector('.disc-value'), r = row.querySelector('.disc-reason');
      f.discounts[b.value] = { value: v ? v.value : '', reason: r ? r.value : '' };
    }
    f.package = $('package').value;
    f.provider = $('provider').value;
    f.location = $('location').value;
    return f;
  }

  /* The plan as a request (docs/requests.md). */
  function buildRequest() {
    const c = state.catalog;
    const f = readForm();
    const req = {};
    const name = $('patient-name').value.trim(), dob = $('patient-dob').value, pid = $('patient-id').value.trim();
    if (name || dob || pid) {
      req.patient = {};
      if (name) req.patient.name = name;
      if (dob) req.patient.date_of_birth = dob;
      if (pid) req.patient.id = pid;
    }
    const cond = $('condition').value.trim();
    if (cond) req.condition = cond;
    const codes = $('icd10').value.split(/[\s,;]+/).filter(Boolean);
    if (codes.length) req.icd10 = codes;
    req.areas = f.areas;
    if (f.source) req.cell_source = f.source;
    if (f.method) req.processing_method = f.method;
    const sessionsText = $('sessions').value.trim();
    const sessions = Number(sessionsText);
    req.sessions = sessionsText === '' || !Number.isFinite(sessions) ? 1 : sessions;
    if (req.sessions > 1) {
      const sp = $('spacing').value.trim();
      if (sp !== '') req.session_spacing_weeks = Number(sp);
      if ($('repeat-cells').value) req.repeat_cells = $('repeat-cells').value;
    }
    if (f.guidance) req.guidance = f.guidance;
    const adjuncts = [], without = [];
    for (const a of c.adjuncts) {
      const s = f.adjuncts[a.id];
      if (!s) continue;
      const count = s.count === '' ? a.default_count : Number(s.count);
      if (!s.on) { if (a.included) without.push(a.id); continue; }
      if (a.included && count === a.default_count) continue;
      adjuncts.push(a.max_count > 1 ? { id: a.id, count } : a.id);
    }
    if (adjuncts.length) req.adjuncts = adjuncts;
    if (without.length) req.without = without;
    if (f.package) req.package = f.package;
    const discounts = [];
    for (const d of c.discounts) {
      const s = f.discounts[d.id];
      if (!s) continue;
      const e = { id: d.id };
      if (s.reason.trim()) e.reason = s.reason.trim();
      const v = s.value.trim().replace(/[%$,\s]/g, '');
      if (d.staff_enters_value && v) e[d.type === 'percent' ? 'percent' : 'amount'] = v;
      discounts.push(e);
    }
    if (discounts.length) req.discounts = discounts;
    if ($('scheduled').value) req.scheduled_date = $('scheduled').value;
    if (f.provider) req.provider = f.provider;
    if (f.location) req.location = f.location;
    req.language = $('quote-lang').value;
    return req;
  }

  /* Put a stored request back into the form (for a revision). */
  function fillForm(req) {
    const c = state.catalog;
    const keep = { areas: req.areas || [], adjuncts: {}, discounts: {}, source: req.cell_source,
      method: req.processing_method, guidance: req.guidance, package: req.package || '',
      provider: req.provider, location: req.location };
    for (const a of c.adjuncts) keep.adjuncts[a.id] = { on: a.included, count: a.default_count };
    for (const a of req.adjuncts || []) {
      const id = typeof a === 'string' ? a : a.id;
      const def = c.adjuncts.find((x) => x.id === id);
      keep.adjuncts[id] = { on: true, count: typeof a === 'object' && a.count ? a.count : def ? def.default_count : 1 };
    }
    for (const id of req.without || []) if (keep.adjuncts[id]) keep.adjuncts[id].on = false;
    for (const d of req.discounts || [])
      keep.discounts[d.id] = { value: d.percent || d.amount || '', reason: d.reason || '' };
    const p = req.patient || {};
    $('patient-name').value = p.name || '';
    $('patient-dob').value = p.date_of_birth || '';
    $('patient-id').value = p.id || '';
    $('condition').value = req.condition || '';
    $('icd10').value = (req.icd10 || []).join(', ');
    $('sessions').value = String(req.sessions || 1);
    $('spacing').value = req.session_spacing_weeks ? String(req.session_spacing_weeks) : '';
    $('repeat-cells').value = req.repeat_cells || '';
    $('scheduled').value = req.scheduled_date || '';
    $('quote-lang').value = req.language || state.lang;
    state.quoteLangTouched = true;
    renderCatalog(keep);
  }

  function emptyKeep() {
    return { areas: [], adjuncts: {}, discounts: {}, source: '', method: '', guidance: '', package: '' };
  }

  /* ---- pricing as choices change -------------------------------------------- */

  function schedulePrice() {
    clearTimeout(state.timer);
    state.timer = setTimeout(price, 300);
  }

  function readyToPrice(req) {
    return req.areas.length > 0 && !!req.cell_source;
  }

  async function price() {
    const req = buildRequest();
    const seq = ++state.seq;
    if (!readyToPrice(req)) {
      state.quote = null; state.errors = null; state.pricing = false;
      renderSummary();
      return;
    }
    state.pricing = true;
    $('summary-hint').textContent = t('summary.pricing');
    $('summary-hint').hidden = false;
    const r = await api('POST', '/api/price', req);
    if (seq !== state.seq) return; /* a newer change is being priced */
    state.pricing = false;
    if (r.status === 200 && r.data) { state.quote = r.data; state.errors = null; }
    else { state.quote = null; state.errors = errorsOf(r); }
    renderSummary();
  }

  function renderErrors(list, box, ul) {
    clear(ul);
    for (const e of list) {
      const label = fieldLabel(e.field);
      ul.appendChild(el('li', null, label ? el('strong', { text: label + ': ' }) : null, e.message || ''));
    }
    box.hidden = list.length === 0;
  }

  function renderSummary() {
    const q = state.quote;
    const ready = state.catalog && readyToPrice(buildRequest());
    $('summary-hint').hidden = !!(ready && (q || state.errors)) && !state.pricing;
    if (!state.pricing) $('summary-hint').textContent = t('summary.start');
    renderErrors(state.errors || [], $('errors'), $('error-list'));
    const lines = $('lines'); clear(lines);
    const totals = $('totals'); clear(totals);
    const total = $('total');
    if (!q) {
      total.textContent = '—'; total.dataset.cents = '';
      $('deposit').textContent = '';
      totals.hidden = true;
      $('issue').disabled = true;
      return;
    }
    total.textContent = money(q.total_cents);
    total.dataset.cents = String(q.total_cents);
    /* the payment terms: a deposit, or one payment in full (a discount that
       requires it); each visit shows what is due at it, after its share of
       the savings (the API's visits[].due_cents) */
    const advance = (q.payments || []).find((p) => p.kind !== 'visit');
    if (q.payment_terms === 'in_full') {
      $('deposit').textContent = advance && advance.date
        ? t('summary.infull.due', { amount: money(q.total_cents), date: advance.date })
        : t('summary.infull', { amount: money(q.total_cents) });
    } else {
      $('deposit').textContent = q.deposit_due
        ? t('summary.deposit.due', { amount: money(q.deposit_cents), date: q.deposit_due })
        : t('summary.deposit', { amount: money(q.deposit_cents) });
    }
    const lineRow = (l) => el('div', { className: 'line' + (!l.in_total ? ' muted' : '') + (l.amount_cents < 0 ? ' credit' : '') },
      el('span', { className: 'line-desc', text: (l.quantity > 1 ? l.quantity + ' × ' : '') + l.description }),
      el('span', { className: 'line-amt', text: money(l.amount_cents) }));
    for (const v of q.visits) {
      const group = el('div', { className: 'visit' });
      const when = v.date_from ? (v.date_from === v.date_to ? v.date_from : v.date_from + ' – ' + v.date_to) : '';
      group.appendChild(el('div', { className: 'visit-head' },
        el('span', { text: v.label }), el('span', { className: 'visit-when', text: when })));
      for (const l of q.lines) if (l.visit === v.index) group.appendChild(lineRow(l));
      if (v.charges_cents || v.due_cents) {
        group.appendChild(el('div', { className: 'visit-due' },
          el('span', { text: t('summary.visit.due') }), el('span', { text: money(v.due_cents) })));
      }
      lines.appendChild(group);
    }
    const shared = q.lines.filter((l) => l.visit === null);
    if (shared.length) {
      const group = el('div', { className: 'visit' });
      group.appendChild(el('div', { className: 'visit-head' }, el('span', { text: t('summary.savings') })));
      for (const l of shared) group.appendChild(lineRow(l));
      lines.appendChild(group);
    }
    const row = (label, cents, cls) => {
      totals.appendChild(el('dt', { className: cls || '', text: label }));
      totals.appendChild(el('dd', { className: cls || '', text: money(cents) }));
    };
    row(t('summary.subtotal'), q.subtotal_cents);
    if (q.discount_cents) row(t('summary.discount'), -q.discount_cents, 'credit');
    if (q.tax_cents) row(t('summary.tax'), q.tax_cents);
    row(t('summary.totalrow'), q.total_cents, 'grand');
    if (q.billable_cents) row(t('summary.billable'), q.billable_cents, 'muted');
    if (q.separate_cents) row(t('summary.separate'), q.separate_cents, 'muted');
    /* the Good Faith Estimate's groups, when more than one provider bills */
    const groups = (q.providers || []).filter((p) => p.lines.length);
    if (groups.length > 1) {
      for (const p of groups)
        row(p.clinic_collects ? p.name : t('summary.direct', { name: p.name }), p.total_cents,
            p.clinic_collects ? 'provider' : 'provider muted');
    }
    totals.hidden = false;
    $('price-version').textContent = t('summary.version', { v: q.price_table.version });
    const sig = JSON.stringify(buildRequest());
    $('issue').disabled = state.busy || sig === state.issuedFor || !may('issue');
  }

  /* ---- issuing ------------------------------------------------------------------ */

  async function issue() {
    if (state.busy) return;
    const req = buildRequest();
    state.busy = true;
    $('issue').disabled = true;
    $('issue').textContent = t('issue.busy');
    const path = state.revising ? '/api/quotes/' + encodeURIComponent(state.revising) + '/revise' : '/api/quotes';
    const r = await api('POST', path, req);
    state.busy = false;
    if (r.status === 201 && r.data) {
      state.issuedFor = JSON.stringify(req);
      $('issued-number').textContent = r.data.number;
      $('issued-total').textContent = t('issued.total', { amount: money(r.data.total_cents) }) +
        (r.data.supersedes ? ' · ' + t('issued.replaces', { n: r.data.supersedes }) : '');
      $('issued-pdf').setAttribute('href', r.data.pdf_url);
      $('issued').hidden = false;
      state.errors = null;
      endRevision();
      document.dispatchEvent(new CustomEvent('rq:issued', { detail: { number: r.data.number } })); /* sign.js */
      window.open(r.data.pdf_url, '_blank', 'noopener');
    } else {
      state.errors = errorsOf(r);
    }
    $('issue').textContent = state.revising ? t('issue.revise') : t('issue.button');
    renderSummary();
  }

  function startRevision(number, req) {
    state.revising = number;
    state.issuedFor = null;
    $('issued').hidden = true;
    $('revising-number').textContent = number;
    $('revising').hidden = false;
    $('issue').textContent = t('issue.revise');
    fillForm(req);
    showView('view-quote');
    price();
  }

  function endRevision() {
    state.revising = null;
    $('revising').hidden = true;
    $('issue').textContent = t('issue.button');
  }

  function resetForm() {
    $('plan-form').reset();
    $('banner').hidden = true;
    endRevision();
    state.quoteLangTouched = false;
    $('quote-lang').value = state.lang;
    state.issuedFor = null;
    $('issued').hidden = true;
    renderCatalog(emptyKeep());
    price();
  }

  /* ---- finding quotes ------------------------------------------------------------- */

  async function search(ev) {
    if (ev) ev.preventDefault();
    const p = new URLSearchParams();
    const add = (k, id) => { const v = $(id).value.trim(); if (v) p.set(k, v); };
    add('name', 's-name'); add('patient', 's-patient'); add('status', 's-status');
    add('from', 's-from'); add('to', 's-to');
    p.set('limit', '100');
    const r = await api('GET', '/api/quotes?' + p.toString());
    $('search-error').textContent = '';
    if (r.status !== 200 || !r.data) {
      $('search-error').textContent = errorsOf(r).map((e) => e.message).join(' ');
      return;
    }
    state.results = r.data;
    renderResults(r.data);
  }

  function renderResults(data) {
    const body = $('results-body'); clear(body);
    for (const q of data.quotes) {
      const actions = el('td', { className: 'row-actions' });
      if (may('reprint')) {
        actions.appendChild(el('a', { className: 'button small', href: '/api/quotes/' + encodeURIComponent(q.number) + '/pdf',
          target: '_blank', rel: 'noopener', text: t('act.pdf') }));
        actions.appendChild(el('a', { className: 'button small secondary', href: '/api/quotes/' + encodeURIComponent(q.number) + '/html',
          target: '_blank', rel: 'noopener', text: t('act.html') }));
      }
      const live = q.status === 'issued' || q.status === 'accepted' || q.status === 'expired';
      if (live && may('issue'))
        actions.appendChild(el('button', { type: 'button', className: 'small secondary', text: t('act.revise'),
          dataset: { action: 'revise', number: q.number }, on: { click: () => revise(q.number) } }));
      if (live && may('void'))
        actions.appendChild(el('button', { type: 'button', className: 'small danger-outline', text: t('act.void'),
          dataset: { action: 'void', number: q.number }, on: { click: () => askVoid(q.number) } }));
      if (may('bills'))
        actions.appendChild(el('button', { type: 'button', className: 'small secondary', text: t('act.bill'),
          dataset: { action: 'bill', number: q.number }, on: { click: () => showBill(q.number) } }));
      if (q.status === 'issued' && may('accept'))
        actions.appendChild(el('button', { type: 'button', className: 'small secondary', text: t('act.accept'),
          dataset: { action: 'accept', number: q.number }, on: { click: () => accept(q.number) } }));
      const patient = el('td', null, el('div', { text: q.patient_name || '—' }),
        q.patient_id ? el('div', { className: 'muted small-text', text: q.patient_id }) : null);
      body.appendChild(el('tr', { dataset: { number: q.number } },
        el('td', { className: 'mono', text: q.number }),
        el('td', { text: q.issued }),
        patient,
        el('td', { className: 'num', text: money(q.total_cents) }),
        el('td', null, el('span', { className: 'status status-' + q.status, text: t('status.' + q.status) })),
        actions));
    }
    $('results-count').textContent = data.quotes.length === 0 ? t('search.none')
      : data.count > data.quotes.length ? t('search.more', { shown: data.quotes.length, n: data.count })
        : t('search.count', { n: data.count });
  }

  async function revise(number) {
    const r = await api('GET', '/api/quotes/' + encodeURIComponent(number));
    if (r.status !== 200 || !r.data || !r.data.request) {
      $('search-error').textContent = errorsOf(r).map((e) => e.message).join(' ');
      return;
    }
    startRevision(number, r.data.request);
  }

  function askVoid(number) {
    $('void-number').textContent = number;
    $('void-box').dataset.number = number;
    $('void-reason').value = '';
    $('void-error').textContent = '';
    $('void-box').hidden = false;
    $('void-reason').focus();
  }

  async function doVoid(ev) {
    ev.preventDefault();
    const number = $('void-box').dataset.number;
    const reason = $('void-reason').value.trim();
    if (!reason) { $('void-error').textContent = t('void.needreason'); return; }
    const r = await api('POST', '/api/quotes/' + encodeURIComponent(number) + '/void', { reason });
    if (r.status !== 200) { $('void-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    $('void-box').hidden = true;
    banner(t('act.voided', { n: number }));
    search();
  }

  async function accept(number) {
    const r = await api('POST', '/api/quotes/' + encodeURIComponent(number) + '/accept', {});
    if (r.status !== 200) { $('search-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    banner(t('act.accepted', { n: number }));
    search();
  }

  /* ---- the final bill (manager): the comparison the command line prints ---------------- */

  async function showBill(number) {
    const r = await api('GET', '/api/quotes/' + encodeURIComponent(number) + '/bill-check');
    if (r.status !== 200 || !r.data) { $('search-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    $('bill-text').value = '';
    $('bill-explain-error').textContent = '';
    renderBill(r.data);
  }

  /* the comparison (bill.h's JSON), each line with the clinic's explanations */
  function renderBill(c) {
    const box = $('bill-providers'), lines = $('bill-line'), chosen = lines.value;
    $('bill-box').dataset.number = c.number;
    $('bill-number').textContent = c.number;
    $('bill-summary').textContent = t('bill.summary', { date: c.initial_bill_date, deadline: c.dispute_deadline, days: c.days_left });
    clear(box);
    clear(lines);
    for (const p of c.providers) {
      box.appendChild(el('h4', { text: p.name + ' — NPI ' + p.npi }));
      box.appendChild(el('p', { className: p.flagged ? 'error-text' : 'hint', text: p.flagged ? t('bill.flag') : t('bill.within') }));
      const body = el('tbody');
      for (const x of p.rows) {
        const notes = el('td', { className: 'bill-notes' });
        for (const n of x.explanations || [])
          notes.appendChild(el('div', { className: 'bill-note', text: t('bill.explained_by', { by: n.written_by, at: n.written_at, text: n.text }) }));
        notes.appendChild(el('button', { type: 'button', className: 'small secondary', text: t('bill.explain'),
          dataset: { action: 'explain', line: x.line }, on: { click: () => chooseLine(x.line) } }));
        body.appendChild(el('tr', { dataset: { line: x.line } },
          el('td', { text: String(x.line) }), el('td', { className: 'mono', text: x.kind === 'item' ? x.code : '' }),
          el('td', { text: x.description }), el('td', { className: 'num', text: money(x.estimate_cents) }),
          el('td', { className: 'num', text: money(x.billed_cents) }), el('td', { className: 'num', text: money(x.difference_cents) }),
          el('td', { text: x.status }), notes));
        lines.appendChild(el('option', { value: String(x.line), text: x.line + ' — ' + (x.kind === 'item' ? x.code + ' ' : '') + x.description }));
      }
      body.appendChild(el('tr', { className: 'total' }, el('td'), el('td'), el('td', { text: '' }),
        el('td', { className: 'num', text: money(p.estimate_cents) }), el('td', { className: 'num', text: money(p.billed_cents) }),
        el('td', { className: 'num', text: money(p.difference_cents) }), el('td'), el('td')));
      box.appendChild(el('table', { className: 'results' }, el('thead', null, el('tr', null, el('th', { text: '#' }),
        el('th', { text: t('bill.code') }), el('th'), el('th', { className: 'num', text: t('bill.est') }),
        el('th', { className: 'num', text: t('bill.billed') }), el('th', { className: 'num', text: t('bill.diff') }),
        el('th', { text: t('bill.status') }), el('th', { text: t('bill.notes') }))), body));
    }
    if (chosen && lines.querySelector('option[value="' + chosen + '"]')) lines.value = chosen;
    $('bill-box').hidden = false;
  }

  function chooseLine(line) {
    $('bill-line').value = String(line);
    $('bill-explain-error').textContent = '';
    $('bill-text').focus();
  }

  /* the same record as 'regenquote bill explain NUMBER --line N --text T', by the account signed in */
  async function explainLine(ev) {
    ev.preventDefault();
    const number = $('bill-box').dataset.number, line = parseInt($('bill-line').value, 10);
    const text = $('bill-text').value.trim();
    $('bill-explain-error').textContent = '';
    if (!text) { $('bill-explain-error').textContent = t('bill.needtext'); return; }
    const r = await api('POST', '/api/quotes/' + encodeURIComponent(number) + '/bill-explain', { line, text });
    if (r.status !== 201 || !r.data) { $('bill-explain-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    $('bill-text').value = '';
    renderBill(r.data);
    banner(t('bill.saved', { line }));
  }

  async function showDisputes() {
    const r = await api('GET', '/api/disputes');
    if (r.status !== 200 || !r.data) { $('search-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    const body = $('disputes-body'); clear(body);
    for (const q of r.data.quotes)
      body.appendChild(el('tr', { dataset: { number: q.number } }, el('td', { className: 'mono', text: q.number }),
        el('td', { text: q.patient_name || '—' }), el('td', { text: q.dispute_deadline }),
        el('td', { className: 'num', text: String(q.days_left) }),
        el('td', { text: q.flagged.map((f) => f.name + ' ' + money(f.difference_cents)).join('; ') })));
    if (!r.data.quotes.length) body.appendChild(el('tr', null, el('td', { text: t('bill.none') })));
    $('disputes-table').hidden = false;
  }

  /* ---- views, sign-in, start ----------------------------------------------------------- */

  function banner(text) {
    const b = $('banner');
    b.textContent = text;
    b.hidden = false;
    clearTimeout(state.bannerTimer);
    state.bannerTimer = setTimeout(() => { b.hidden = true; }, 5000);
  }

  function showView(id) {
    for (const v of ['view-login', 'view-quote', 'view-search', 'view-audit']) $(v).hidden = v !== id;
    for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.view === id);
    document.querySelector('.tabs').hidden = id === 'view-login';
  }

  /* The sign-in form; ended: a session just ended under the page. */
  function showLogin(ended) {
    if (state.session) state.session = { authenticated: false, user: null };
    showView('view-login');
    $('sign-out').hidden = true;
    $('who').hidden = true;
    $('tab-audit').hidden = true;
    $('login-ended').hidden = !ended;
    $('login-password').value = '';
    $(($('login-user').value ? 'login-password' : 'login-user')).focus();
  }

  async function login(ev) {
    ev.preventDefault();
    const r = await api('POST', '/api/login', { username: $('login-user').value.trim(), password: $('login-password').value });
    $('login-password').value = '';
    if (r.status !== 200) {
      const wait = r.status === 429 && r.data && /(\d+) second/.exec(errorsOf(r)[0].message || '');
      $('login-error').textContent = wait ? t('login.slowed', { n: wait[1] }) : t('login.wrong');
      return;
    }
    $('login-error').textContent = '';
    $('login-ended').hidden = true;
    start();
  }

  async function logout() {
    await api('POST', '/api/logout', {});
    state.session = { authenticated: false, user: null };
    showLogin(false);
  }

  /* Who is signed in, in the top bar; what the role allows, on the page. */
  function showWho() {
    const u = state.session.user;
    $('who-name').textContent = u.name;
    $('who-role').textContent = '(' + t('role.' + u.role) + ')';
    $('who').hidden = false;
    $('sign-out').hidden = false;
    $('tab-audit').hidden = !may('audit');
    $('disputes').hidden = !may('bills');
    $('tab-search').hidden = !may('find');
  }

  async function start() {
    const s = await api('GET', '/api/session');
    if (s.status !== 200 || !s.data) { banner(t('errors.network')); return; }
    state.session = s.data;
    if (!s.data.authenticated) { showLogin(false); return; }
    showWho();
    const c = await api('GET', '/api/catalog?lang=' + state.lang);
    if (c.status !== 200 || !c.data) { if (c.status !== 401) banner(errorsOf(c).map((e) => e.message).join(' ')); return; }
    state.catalog = c.data;
    renderCatalog(emptyKeep());
    showView('view-quote');
    applyLang();
  }

  /* ---- the audit trail (managers) ------------------------------------------------------ */

  async function auditSearch(ev) {
    if (ev) ev.preventDefault();
    const p = new URLSearchParams();
    const add = (k, id) => { const v = $(id).value.trim(); if (v) p.set(k, v); };
    add('actor', 'a-actor'); add('kind', 'a-kind'); add('quote', 'a-quote'); add('from', 'a-from'); add('to', 'a-to');
    p.set('limit', '200');
    const r = await api('GET', '/api/audit?' + p.toString());
    $('audit-error').textContent = '';
    if (r.status !== 200 || !r.data) { $('audit-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    const body = $('audit-body'); clear(body);
    for (const e of r.data.events)
      body.appendChild(el('tr', { dataset: { seq: String(e.seq) } },
        el('td', { className: 'num', text: String(e.seq) }), el('td', { className: 'mono', text: e.at }),
        el('td', { text: e.actor }), el('td', { text: e.kind }), el('td', { className: 'mono', text: e.quote || '—' }),
        el('td', { text: e.detail || '' })));
    $('audit-status').textContent = r.data.more ? t('audit.more', { n: r.data.count }) : t('audit.count', { n: r.data.count });
  }

  async function auditVerify() {
    const r = await api('GET', '/api/audit/verify');
    if (r.status !== 200 || !r.data) { $('audit-error').textContent = errorsOf(r).map((e) => e.message).join(' '); return; }
    const d = r.data;
    $('audit-status').textContent = d.intact ? t('audit.intact', { n: d.events, seq: d.head.seq })
      : t('audit.broken', { seq: d.broken.seq, at: d.broken.at || '—', kind: d.broken.kind || '—', problem: d.broken.problem });
    $('audit-status').classList.toggle('error-text', !d.intact);
  }

  function wire() {
    const form = $('plan-form');
    form.addEventListener('submit', (e) => e.preventDefault());
    form.addEventListener('change', (e) => {
      if (e.target.name === 'source') renderMethods(checkedValue('method'));
      if (e.target.id === 'quote-lang') state.quoteLangTouched = true;
      updateDependent();
      schedulePrice();
    });
    form.addEventListener('input', (e) => {
      if (e.target.type !== 'checkbox' && e.target.type !== 'radio') { updateDependent(); schedulePrice(); }
    });
    $('issue').addEventListener('click', issue);
    $('reset').addEventListener('click', resetForm);
    $('revise-cancel').addEventListener('click', resetForm);
    $('search-form').addEventListener('submit', search);
    $('void-form').addEventListener('submit', doVoid);
    $('void-cancel').addEventListener('click', () => { $('void-box').hidden = true; });
    $('login-form').addEventListener('submit', login);
    $('sign-out').addEventListener('click', logout);
    $('audit-form').addEventListener('submit', auditSearch);
    $('audit-verify').addEventListener('click', auditVerify);
    $('bill-close').addEventListener('click', () => { $('bill-box').hidden = true; });
    $('bill-explain-form').addEventListener('submit', explainLine);
    $('disputes').addEventListener('click', showDisputes);
    for (const tab of document.querySelectorAll('.tab'))
      tab.addEventListener('click', () => {
        showView(tab.dataset.view);
        if (tab.dataset.view === 'view-search') search();
        if (tab.dataset.view === 'view-audit') auditSearch();
      });
    for (const b of document.querySelectorAll('.lang-btn')) b.addEventListener('click', () => setLang(b.dataset.lang));
  }

  document.addEventListener('DOMContentLoaded', () => {
    let lang = null;
    try { lang = localStorage.getItem('rq.lang'); } catch (e) { /* private mode */ }
    if (!lang) lang = (navigator.language || 'en').toLowerCase().startsWith('es') ? 'es' : 'en';
    state.lang = lang === 'es' ? 'es' : 'en';
    wire();
    applyLang();
    start();
  });
})();
