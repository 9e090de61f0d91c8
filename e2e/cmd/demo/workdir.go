package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"

	"github.com/session-injector/sessioninjector/e2e/harness"
	"gopkg.in/yaml.v3"
)

// demo is a prepared working directory and what to start in it.
type demo struct {
	// appBin is the demo app binary.
	appBin string
	// webAddr is Traefik's entry point (traefik.yml), appAddr the demo
	// app's address (the demo-app service in dynamic.yml).
	webAddr, appAddr string
	// shopURL and checkoutURL are the public URLs, through Traefik.
	shopURL, checkoutURL string
}

// prepare lays out Traefik's working directory in work: the plugin in
// plugins-local/, demo/traefik's traefik.yml and dynamic.yml, and the demo
// app built from demo/app.
func prepare(work string) (demo, error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return demo{}, err
	}
	plugin, err := harness.SessionInjector()
	if err != nil {
		return demo{}, err
	}
	if err := plugin.Install(work); err != nil {
		return demo{}, err
	}
	conf := filepath.Join(root, "demo", "traefik")
	var d demo
	if d.webAddr, err = entryPoint(filepath.Join(conf, "traefik.yml")); err != nil {
		return demo{}, err
	}
	if d.appAddr, err = serviceAddr(filepath.Join(conf, "dynamic.yml")); err != nil {
		return demo{}, err
	}
	for _, name := range []string{"traefik.yml", "dynamic.yml"} {
		b, err := os.ReadFile(filepath.Join(conf, name))
		if err != nil {
			return demo{}, err
		}
		if err := os.WriteFile(filepath.Join(work, name), b, 0o644); err != nil {
			return demo{}, err
		}
	}
	_, port, err := net.SplitHostPort(d.webAddr)
	if err != nil {
		return demo{}, fmt.Errorf("entry point %q: %w", d.webAddr, err)
	}
	d.shopURL, d.checkoutURL = "http://shop.localhost:"+port, "http://checkout.localhost:"+port
	fmt.Fprintln(os.Stderr, "building the demo app...")
	if d.appBin, err = harness.BuildDemoApp(work); err != nil {
		return demo{}, err
	}
	return d, nil
}

// entryPoint reads the address of the web entry point of a static
// configuration.
func entryPoint(path string) (string, error) {
	var static struct {
		EntryPoints map[string]struct {
			Address string `yaml:"address"`
		} `yaml:"entryPoints"`
	}
	if err := readYAML(path, &static); err != nil {
		return "", err
	}
	addr := static.EntryPoints["web"].Address
	if addr == "" {
		return "", fmt.Errorf("%s: no entryPoints.web.address", path)
	}
	return addr, nil
}

// serviceAddr reads the host:port of the demo-app service of a dynamic
// configuration.
func serviceAddr(path string) (string, error) {
	var dynamic struct {
		HTTP struct {
			Services map[string]struct {
				LoadBalancer struct {
					Servers []struct {
						URL string `yaml:"url"`
					} `yaml:"servers"`
				} `yaml:"loadBalancer"`
			} `yaml:"services"`
		} `yaml:"http"`
	}
	if err := readYAML(path, &dynamic); err != nil {
		return "", err
	}
	servers := dynamic.HTTP.Services["demo-app"].LoadBalancer.Servers
	if len(servers) != 1 {
		return "", fmt.Errorf("%s: want one server for the demo-app service, found %d", path, len(servers))
	}
	u, err := url.Parse(servers[0].URL)
	if err != nil || u.Port() == "" {
		return "", fmt.Errorf("%s: demo-app server %q: want http://host:port", path, servers[0].URL)
	}
	return u.Host, nil
}

// readYAML decodes a YAML file into v.
func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
