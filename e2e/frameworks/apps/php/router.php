<?php
// The PHP app of the framework e2e tests: the router script of PHP's
// built-in server, one process serving both the shop and the checkout
// host with PHP's native sessions (files in SESSION_SAVE_PATH, the
// browser-session cookie PHPSESSID) and a synchronizer CSRF token kept in
// $_SESSION. Nothing here implements sessions; it only configures them and
// answers the HTTP contract every app of the suite implements.
//
// Environment:
//   SESSION_SAVE_PATH  the folder of the session files (default: the
//                      system's temporary folder)
//   SHOP_URL, CHECKOUT_URL  public base URLs, e.g. http://checkout.test
//                      (CHECKOUT_URL required)
//
// Run: php -S 127.0.0.1:PORT router.php

declare(strict_types=1);

const USERS = ['alice' => 'alice-password', 'mallory' => 'mallory-password'];
const MAX_BIG_BYTES = 16 * 1024 * 1024;

$checkoutURL = rtrim((string) getenv('CHECKOUT_URL'), '/');
if ($checkoutURL === '') {
    text(500, "CHECKOUT_URL is required\n");
    return true;
}
$savePath = (string) getenv('SESSION_SAVE_PATH');
if ($savePath !== '') {
    ini_set('session.save_path', $savePath);
}
ini_set('session.use_strict_mode', '1'); // ids the server did not issue are refused
ini_set('session.use_only_cookies', '1');
ini_set('session.cookie_httponly', '1');
ini_set('session.cookie_samesite', 'Lax');
ini_set('session.cookie_lifetime', '0'); // a browser-session cookie
ini_set('session.name', 'PHPSESSID');

function text(int $status, string $body): void
{
    http_response_code($status);
    header('Content-Type: text/plain; charset=utf-8');
    echo $body;
}

function esc(string $s): string
{
    return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

function page(string $title, string $body): void
{
    header('Content-Type: text/html; charset=utf-8');
    echo "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" . esc($title) . "</title></head>\n<body>\n"
        . $body . "\n</body></html>\n";
}

function redirect(string $location): void
{
    header('Location: ' . $location, true, 302);
}

// host is the host name the request was made for, without its port.
function host(): string
{
    $h = (string) ($_SERVER['HTTP_HOST'] ?? '');
    if (str_starts_with($h, '[')) {
        return substr($h, 0, (int) strpos($h, ']') + 1);
    }
    $i = strrpos($h, ':');
    return $i === false ? $h : substr($h, 0, $i);
}

// csrfField returns the hidden input of the session's CSRF token, made on
// first use.
function csrfField(): string
{
    if (!isset($_SESSION['csrf']) || !is_string($_SESSION['csrf'])) {
        $_SESSION['csrf'] = bin2hex(random_bytes(32));
    }
    return '<input type="hidden" name="csrf_token" value="' . esc($_SESSION['csrf']) . '">';
}

// csrfValid reports whether the POST carries the session's CSRF token.
function csrfValid(): bool
{
    $sent = $_POST['csrf_token'] ?? null;
    $want = $_SESSION['csrf'] ?? null;
    return is_string($sent) && is_string($want) && $want !== '' && hash_equals($want, $sent);
}

// safeNext reports whether next is a local path or a URL on the checkout.
function safeNext(string $next, string $checkoutURL): bool
{
    if ($next === '') {
        return false;
    }
    if ($next[0] === '/') {
        return !str_starts_with($next, '//') && !str_starts_with($next, '/\\');
    }
    if ($next === $checkoutURL) {
        return true;
    }
    $rest = substr($next, strlen($checkoutURL));
    return str_starts_with($next, $checkoutURL) && in_array($rest[0] ?? '', ['/', '?', '#'], true);
}

function localPath(string $p): bool
{
    return $p !== '' && $p[0] === '/' && !str_starts_with($p, '//') && !str_starts_with($p, '/\\');
}

function user(): ?string
{
    $u = $_SESSION['user'] ?? null;
    return is_string($u) ? $u : null;
}

// loginRequired redirects to the sign-in form and returns null when no one
// is signed in.
function loginRequired(): ?string
{
    $u = user();
    if ($u === null) {
        redirect('/login?next=' . str_replace('%2F', '/', rawurlencode((string) $_SERVER['REQUEST_URI'])));
    }
    return $u;
}

function param(array $from, string $name): string
{
    $v = $from[$name] ?? '';
    return is_string($v) ? $v : '';
}

$method = $_SERVER['REQUEST_METHOD'];
$path = (string) parse_url((string) $_SERVER['REQUEST_URI'], PHP_URL_PATH);

if ($path === '/healthz') {
    text(200, "ok\n");
    return true;
}

session_start();

switch ("$method $path") {
    case 'GET /login':
        page('Sign in', '<h1>Sign in on ' . esc(host()) . '</h1>
<form method="post" action="/login">
' . csrfField() . '
<input type="hidden" name="next" value="' . esc(param($_GET, 'next')) . '">
<label>Username <input type="text" name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>');
        break;

    case 'POST /login':
        if (!csrfValid()) {
            text(403, "403 invalid CSRF token\n");
            break;
        }
        $username = param($_POST, 'username');
        if (!array_key_exists($username, USERS) || !hash_equals(USERS[$username], param($_POST, 'password'))) {
            text(403, "Bad username or password\n");
            break;
        }
        // A new session id at sign-in, against session fixation; the old
        // session file is deleted.
        session_regenerate_id(true);
        $_SESSION['user'] = $username;
        $next = param($_POST, 'next');
        if ($next === '') {
            $next = param($_GET, 'next');
        }
        redirect(safeNext($next, $checkoutURL) ? $next : '/account');
        break;

    case 'GET /account':
        if (($u = loginRequired()) === null) {
            break;
        }
        page('Account', '<h1>Account</h1>
<p>Signed in as ' . esc($u) . '</p>
<p>Host: ' . esc(host()) . '</p>
<p><a href="/note">Note</a> <a href="/to-checkout?path=/account">Checkout</a> <a href="/logout">Sign out</a></p>');
        break;

    case 'GET /to-checkout':
        $p = param($_GET, 'path');
        if ($p === '') {
            $p = '/account';
        }
        if (!localPath($p)) {
            text(400, "path must be a local path\n");
            break;
        }
        redirect($checkoutURL . $p);
        break;

    case 'GET /note':
        if (($u = loginRequired()) === null) {
            break;
        }
        $note = $_SESSION['note'] ?? null;
        page('Note', '<h1>Note of ' . esc($u) . '</h1>
' . (is_string($note) ? '<p>Current note: ' . esc($note) . '</p>' : '') . '
<form method="post" action="/note">
' . csrfField() . '
<input type="text" name="note">
<button type="submit">Save</button>
</form>');
        break;

    case 'POST /note':
        if (loginRequired() === null) {
            break;
        }
        if (!csrfValid()) {
            text(403, "403 invalid CSRF token\n");
            break;
        }
        $note = param($_POST, 'note');
        $_SESSION['note'] = $note;
        page('Saved', '<p>Saved: ' . esc($note) . '</p>');
        break;

    case 'GET /logout':
        // The manual's way to end a session: empty it, delete its cookie,
        // destroy its file.
        $_SESSION = [];
        $params = session_get_cookie_params();
        setcookie(session_name(), '', [
            'expires' => time() - 42000,
            'path' => $params['path'],
            'domain' => $params['domain'],
            'secure' => $params['secure'],
            'httponly' => $params['httponly'],
            'samesite' => $params['samesite'],
        ]);
        session_destroy();
        redirect('/login');
        break;

    case 'GET /big':
        if (loginRequired() === null) {
            break;
        }
        $n = filter_var(param($_GET, 'bytes'), FILTER_VALIDATE_INT);
        if ($n === false || $n < 0 || $n > MAX_BIG_BYTES) {
            text(400, 'bytes must be an integer in [0, ' . MAX_BIG_BYTES . "]\n");
            break;
        }
        $_SESSION['big'] = str_repeat('x', $n);
        text(200, "Stored $n bytes\n");
        break;

    default:
        text(404, "404 not found\n");
}
return true;
