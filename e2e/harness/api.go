package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// errBrokenRouter marks a configured router that Traefik disabled.
var errBrokenRouter = errors.New("router not enabled")

// RawData is the part of Traefik's /api/rawdata the harness reads.
type RawData struct {
	Routers     map[string]Status `json:"routers"`
	Middlewares map[string]Status `json:"middlewares"`
	Services    map[string]Status `json:"services"`
}

// Status is a router's, middleware's or service's state in the API.
type Status struct {
	Status string   `json:"status"`
	Error  []string `json:"error"`
}

// apiClient talks to the harness's own endpoints (API, probe).
var apiClient = &http.Client{Timeout: 5 * time.Second}

// RawData fetches /api/rawdata.
func (tr *Traefik) RawData() (RawData, error) {
	var rd RawData
	resp, err := apiClient.Get("http://" + tr.APIAddr + "/api/rawdata")
	if err != nil {
		return rd, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return rd, fmt.Errorf("GET /api/rawdata: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&rd); err != nil {
		return rd, fmt.Errorf("decode /api/rawdata: %w", err)
	}
	return rd, nil
}

// checkRouters reports a router of d missing from the API (plain error: wait
// longer) or not enabled (errBrokenRouter, with every error the API lists).
func (tr *Traefik) checkRouters(d Dynamic) error {
	rd, err := tr.RawData()
	if err != nil {
		return err
	}
	var broken []string
	for name := range d.Routers {
		r, ok := rd.Routers[name+"@file"]
		if !ok {
			return fmt.Errorf("router %s@file not in the API yet", name)
		}
		if r.Status != "enabled" && !tr.opts.AllowBrokenRouters {
			broken = append(broken, fmt.Sprintf("router %s: %s %v", name, r.Status, r.Error))
		}
	}
	if len(broken) == 0 {
		return nil
	}
	for name, m := range rd.Middlewares {
		if len(m.Error) > 0 {
			broken = append(broken, fmt.Sprintf("middleware %s: %v", name, m.Error))
		}
	}
	sort.Strings(broken)
	return fmt.Errorf("%w:\n%s", errBrokenRouter, strings.Join(broken, "\n"))
}
