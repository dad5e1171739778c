/* Holding in Mind, the static site: JupyterLite's notebook app shown as the course's pages.
 *
 * What Voila does on a server, done here in the learner's browser: the page runs its
 * notebook as soon as its kernel (Python, on Pyodide) is ready and shows only what the
 * notebook displays, never its code. Links between the course's notebooks open them as
 * pages of this site. The page says where a learner's work is kept: only in this browser.
 * Nothing here talks to any host: JupyterLite and Pyodide are served by this site.
 */
(() => {
  'use strict';

  const params = new URLSearchParams(window.location.search);
  const path = params.get('path') || 'index.ipynb';

  // JupyterLab asks "leave the page?" when a notebook has changed since it was saved: here
  // every page is run afresh on each visit and never saved, so a learner is never asked.
  window.addEventListener('beforeunload', (event) => event.stopImmediatePropagation(), true);

  // --- links between the course's pages ---------------------------------------------------
  // JupyterLab rewrites a relative link in an output to the file's address under files/;
  // a link in a widget keeps its own, relative to this page's notebook.
  const FILES = new URL('../files/', window.location.href).href;

  function target(anchor) {
    const resolved = anchor.href || '';
    const plain = resolved.split(/[?#]/)[0];
    if (plain.startsWith(FILES) && plain.endsWith('.ipynb')) {
      return decodeURIComponent(plain.slice(FILES.length));
    }
    const href = anchor.getAttribute('href') || '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#') || href.startsWith('/')) {
      return null;
    }
    const match = href.match(/^([^?#]*\.ipynb)(?:[?#].*)?$/);
    if (!match) return null;
    const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    return new URL(match[1], 'https://course.invalid/' + folder).pathname.slice(1);
  }

  document.addEventListener('click', (event) => {
    const anchor = event.target instanceof Element ? event.target.closest('a') : null;
    if (!anchor) return;
    const page = target(anchor);
    if (!page) return;
    event.preventDefault();
    event.stopPropagation();
    window.location.assign('?path=' + encodeURIComponent(page).replace(/%2F/g, '/'));
  }, true);

  // The keyboard belongs to the page, not to JupyterLab's notebook: in a notebook, single
  // keys and Enter act on cells (insert, delete, run, change type) and the arrows move between
  // them instead of scrolling. These pages have no cell to edit, so JupyterLab never sees a
  // key pressed outside a text box; the browser's own actions still happen (Tab, Enter and
  // Space on a button, the arrows scrolling, a key in a text box), and Enter on a link follows
  // it (the notebook would take that Enter for itself).
  function editable(element) {
    return element instanceof Element &&
      !!element.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
  }
  window.addEventListener('keydown', (event) => {
    // Saving would keep this copy of the page in the browser in place of the site's own.
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.stopPropagation();
      event.preventDefault();
      return;
    }
    if (editable(event.target)) return;
    event.stopPropagation();
    const plain = !(event.altKey || event.ctrlKey || event.metaKey || event.shiftKey);
    const anchor = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (anchor && plain && event.key === 'Enter') {
      event.preventDefault();
      anchor.click();
    }
  }, true);

  // --- what the page says about itself -----------------------------------------------------
  const NOTE = 'Everything you do here stays in this browser, on this device: your path ' +
    'through a case and what you write are kept in this browser\'s storage for this site, ' +
    'and nothing is sent anywhere. Another browser or computer will not have them, and ' +
    'clearing this site\'s data deletes them. To keep a copy, use "Download your journey" ' +
    'and "Download your reflections" at the end of a case.';

  function banner(isCase) {
    const box = document.createElement('aside');
    box.className = 'hm-site-banner';
    box.setAttribute('aria-label', 'About this page');
    const status = document.createElement('p');
    status.className = 'hm-site-status';
    status.setAttribute('role', 'status');
    status.textContent = 'Starting Python in your browser: the first visit downloads the ' +
      'course and Python (about 40 MB); later visits use the copy your browser keeps. It ' +
      'can take a quarter of a minute.';
    box.appendChild(status);
    if (isCase) {
      const note = document.createElement('p');
      note.className = 'hm-site-note';
      note.textContent = NOTE;
      box.appendChild(note);
    }
    const home = document.createElement('p');
    home.className = 'hm-site-home';
    home.innerHTML = '<a href="?path=index.ipynb">Holding in Mind: the course\'s first page</a>';
    if (path !== 'index.ipynb') box.appendChild(home);
    return box;
  }

  function say(message) {
    const status = document.querySelector('.hm-site-status');
    if (status) status.textContent = message;
  }

  // --- running the page ---------------------------------------------------------------------
  function until(test, every = 50) {
    return new Promise((resolve) => {
      const look = () => {
        const value = test();
        if (value) resolve(value);
        else setTimeout(look, every);
      };
      look();
    });
  }

  async function run() {
    const app = await until(() => window.jupyterapp);
    await app.restored;
    const panel = await until(() => {
      const widget = app.shell.currentWidget;
      return widget && widget.content && widget.sessionContext ? widget : null;
    });
    await panel.context.ready;
    const notebook = panel.content;
    // The build marks the notebooks that play a case (they keep a learner's journey).
    const marks = panel.model.getMetadata('holding-in-mind') || {};
    if (marks.plays_case) document.body.classList.add('hm-site-case');
    notebook.node.prepend(banner(!!marks.plays_case));
    document.title = (panel.title.label || 'Holding in Mind').replace(/\.ipynb$/, '') +
      ' - Holding in Mind';
    const clean = () => { panel.context.model.dirty = false; };
    panel.context.model.stateChanged.connect(clean);
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel) {
      say('Python could not start in this browser. Please reload the page.');
      return;
    }
    await app.commands.execute('notebook:run-all-cells');
    say('');
    document.body.classList.add('hm-site-ran');
    clean();
  }

  window.addEventListener('DOMContentLoaded', () => {
    document.body.classList.add('hm-site');
    run().catch((error) => {
      console.error(error);
      say('This page could not be opened. Please reload it.');
    });
  });
})();
