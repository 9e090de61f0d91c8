'use strict';

// The Express app of the framework e2e tests: one process serving both the
// shop and the checkout host, with the stock session middleware chosen by
// SESSION_STORE and a stock CSRF package that fits it. Nothing here
// implements sessions or CSRF; it only configures the middleware and
// answers the HTTP contract every app of the suite implements.
//
// Environment:
//   SESSION_STORE   express-session (MemoryStore, cookie connect.sid) or
//                   cookie-session (cookies session and session.sig)
//   SESSION_SECRET  the signing secret (required)
//   SESSION_KEYS    cookie-session only: comma-separated signing keys, the
//                   first signs (default: SESSION_SECRET)
//   PORT            listen on 127.0.0.1:PORT
//   SHOP_URL, CHECKOUT_URL  public base URLs, e.g. http://checkout.test

const express = require('express');

const FOURTEEN_DAYS_MS = 14 * 24 * 60 * 60 * 1000;
const USERS = { alice: 'alice-password', mallory: 'mallory-password' };
const MAX_BIG_BYTES = 16 * 1024 * 1024;

function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return v;
}

const store = required('SESSION_STORE');
const secret = required('SESSION_SECRET');
const port = Number(required('PORT'));
const checkoutURL = required('CHECKOUT_URL').replace(/\/+$/, '');
const shopURL = (process.env.SHOP_URL || '').replace(/\/+$/, '');

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false }));

// Each store brings the CSRF pattern that fits it: the synchronizer token
// in the server-side session for express-session, a signed double-submit
// cookie for cookie-session (whose whole session is a client-side cookie).
let csrfProtection;
let signIn; // (req, username, callback) stores the user in the session
let signOut; // (req, res, callback) ends the session

if (store === 'express-session') {
  const session = require('express-session');
  const { csrfSync } = require('csrf-sync');
  app.use(
    session({
      name: 'connect.sid',
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { path: '/', httpOnly: true, sameSite: 'lax', maxAge: FOURTEEN_DAYS_MS },
    }),
  );
  ({ csrfSynchronisedProtection: csrfProtection } = csrfSync({
    getTokenFromRequest: (req) => req.body && req.body._csrf,
  }));
  signIn = (req, username, cb) => {
    // A new session id at sign-in, against session fixation.
    req.session.regenerate((err) => {
      if (err) return cb(err);
      req.session.user = username;
      req.session.save(cb);
    });
  };
  signOut = (req, res, cb) => {
    req.session.destroy((err) => {
      res.clearCookie('connect.sid', { path: '/', httpOnly: true, sameSite: 'lax' });
      cb(err);
    });
  };
} else if (store === 'cookie-session') {
  const cookieSession = require('cookie-session');
  const cookieParser = require('cookie-parser');
  const { doubleCsrf } = require('csrf-csrf');
  const keys = (process.env.SESSION_KEYS || secret).split(',').filter(Boolean);
  app.use(
    cookieSession({
      name: 'session',
      keys,
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      maxAge: FOURTEEN_DAYS_MS,
    }),
  );
  app.use(cookieParser());
  ({ doubleCsrfProtection: csrfProtection } = doubleCsrf({
    getSecret: () => secret,
    // The token is bound to the signed-in user (anonymous before sign-in).
    getSessionIdentifier: (req) => (req.session && req.session.user) || '',
    cookieName: 'csrf',
    cookieOptions: { secure: false, sameSite: 'strict', path: '/', httpOnly: true },
    getCsrfTokenFromRequest: (req) => req.body && req.body._csrf,
  }));
  signIn = (req, username, cb) => {
    req.session.user = username;
    cb();
  };
  signOut = (req, res, cb) => {
    req.session = null;
    cb();
  };
} else {
  console.error(`SESSION_STORE=${store}: want express-session or cookie-session`);
  process.exit(2);
}

app.use(csrfProtection);

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body>
${body}
</body></html>
`;
}

function csrfField(req) {
  return `<input type="hidden" name="_csrf" value="${esc(req.csrfToken())}">`;
}

// safeNext reports whether next is a local path or a URL on the checkout.
function safeNext(next) {
  if (typeof next !== 'string' || next === '') return false;
  if (next.startsWith('/')) return !next.startsWith('//') && !next.startsWith('/\\');
  if (next === checkoutURL) return true;
  const rest = next.slice(checkoutURL.length);
  return next.startsWith(checkoutURL) && (rest[0] === '/' || rest[0] === '?' || rest[0] === '#');
}

function loginRequired(req, res, next) {
  if (req.session && req.session.user) return next();
  res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl).replace(/%2F/g, '/')}`);
}

app.get('/login', (req, res) => {
  const next = typeof req.query.next === 'string' ? req.query.next : '';
  res.type('html').send(
    page(
      'Sign in',
      `<h1>Sign in on ${esc(req.hostname)}</h1>
<form method="post" action="/login">
${csrfField(req)}
<input type="hidden" name="next" value="${esc(next)}">
<label>Username <input type="text" name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>`,
    ),
  );
});

app.post('/login', (req, res, next) => {
  const { username, password } = req.body;
  if (typeof username !== 'string' || !Object.hasOwn(USERS, username) || USERS[username] !== password) {
    return res.status(403).type('text').send('Bad username or password\n');
  }
  const target = req.body.next || req.query.next;
  signIn(req, username, (err) => {
    if (err) return next(err);
    res.redirect(302, safeNext(target) ? target : '/account');
  });
});

app.get('/account', loginRequired, (req, res) => {
  res.type('html').send(
    page(
      'Account',
      `<h1>Account</h1>
<p>Signed in as ${esc(req.session.user)}</p>
<p>Host: ${esc(req.hostname)}</p>
<p><a href="/note">Note</a> <a href="/to-checkout?path=/account">Checkout</a> <a href="/logout">Sign out</a></p>`,
    ),
  );
});

app.get('/to-checkout', (req, res) => {
  const path = typeof req.query.path === 'string' && req.query.path !== '' ? req.query.path : '/account';
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) {
    return res.status(400).type('text').send('path must be a local path\n');
  }
  res.redirect(302, checkoutURL + path);
});

app.get('/note', loginRequired, (req, res) => {
  const note = req.session.note;
  res.type('html').send(
    page(
      'Note',
      `<h1>Note of ${esc(req.session.user)}</h1>
${note !== undefined ? `<p>Current note: ${esc(note)}</p>` : ''}
<form method="post" action="/note">
${csrfField(req)}
<input type="text" name="note">
<button type="submit">Save</button>
</form>`,
    ),
  );
});

app.post('/note', loginRequired, (req, res) => {
  const note = typeof req.body.note === 'string' ? req.body.note : '';
  req.session.note = note;
  res.type('html').send(page('Saved', `<p>Saved: ${esc(note)}</p>`));
});

app.get('/logout', (req, res, next) => {
  signOut(req, res, (err) => {
    if (err) return next(err);
    res.redirect(302, '/login');
  });
});

app.get('/big', loginRequired, (req, res) => {
  const n = Number(req.query.bytes);
  if (!Number.isInteger(n) || n < 0 || n > MAX_BIG_BYTES) {
    return res.status(400).type('text').send(`bytes must be an integer in [0, ${MAX_BIG_BYTES}]\n`);
  }
  req.session.big = 'x'.repeat(n);
  res.type('text').send(`Stored ${n} bytes\n`);
});

app.get('/healthz', (req, res) => {
  res.type('text').send('ok\n');
});

// Errors: a bad CSRF token (status 403 from either CSRF package) and
// anything else, as plain text with the error's status.
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = err.status || err.statusCode || 500;
  if (status >= 500) console.error(err);
  res.status(status).type('text').send(`${status} ${err.message}\n`);
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`express app (${store}) on 127.0.0.1:${port}, shop ${shopURL || '-'}, checkout ${checkoutURL}`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
