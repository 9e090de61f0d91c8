package main

import (
	"net/http"
	"net/url"
	"strings"
)

// maxName bounds the user name typed into the sign-in form.
const maxName = 64

// shopRoutes: the home page, sign-in, pay and logout.
func (a *App) shopRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.shopHome)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /pay", a.pay)
	mux.HandleFunc("POST /logout", a.logout)
	a.common(mux, a.checkout)
	return mux
}

// shopHome shows the sign-in form, or the ways to go to the checkout, and
// the session cookie this host received.
func (a *App) shopHome(w http.ResponseWriter, r *http.Request) {
	checkout := a.checkout.String() + "/"
	page(w, "shop", map[string]any{
		"Cookie":   a.cookieReport(r),
		"Checkout": checkout,
		"Handoff":  "/_session/handoff?" + url.Values{"to": {checkout}}.Encode(),
	})
}

// login signs the user in and redirects to next when it is one of the two
// sites, else back to the shop. Traefik's middleware sees the Set-Cookie
// and a redirect to the checkout in the same response and adds a token.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > maxName {
		http.Error(w, "name: between 1 and 64 bytes, please", http.StatusBadRequest)
		return
	}
	id, err := a.sessions.Create(name, cookieHost(r.Host), a.now())
	if err != nil {
		http.Error(w, "create session: "+err.Error(), http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.shop.Scheme == "https",
	})
	http.Redirect(w, r, a.next(r.PostFormValue("next")), http.StatusFound)
}

// next returns the redirect target after sign-in: a URL under one of the
// two base URLs, or the shop's home page.
func (a *App) next(target string) string {
	for _, base := range []*url.URL{a.shop, a.checkout} {
		b := base.String()
		if target == b || strings.HasPrefix(target, b+"/") {
			return target
		}
	}
	return "/"
}

// pay is the shop's "pay" button: a POST answered with a redirect to the
// checkout, which the middleware extends with a token.
func (a *App) pay(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, a.checkout.String()+"/?from=pay", http.StatusFound)
}

// logout ends the session, deletes the shop's cookie and redirects to
// the checkout; the middleware must not hand a deleted session over, and
// the session injector signs the browser out on the checkout on the way.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	a.endSession(w, r, a.shop.Scheme == "https")
	http.Redirect(w, r, a.checkout.String()+"/", http.StatusFound)
}

// endSession deletes the request's session from the store, which both
// sites share, and answers with a Set-Cookie deleting this host's
// session cookie (Max-Age -1, sent as Max-Age=0).
func (a *App) endSession(w http.ResponseWriter, r *http.Request, secure bool) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		a.sessions.Delete(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure})
}
