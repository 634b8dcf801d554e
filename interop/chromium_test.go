package interop

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// artifactDir is where the browser test leaves its screenshots:
// $DANEPROBE_ARTIFACTS when set (CI collects it), else a directory under
// the system's temporary directory, outside the source tree.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DANEPROBE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "daneprobe-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The dashboard in headless Chromium with JavaScript off, as a person
// sees it: the table names every domain with its status word, a heading
// link sorts it, and a failing domain's page shows its status and the
// failing link of the chain picture, drawn under the real zone cuts.
// Screenshots are left as artifacts.
func TestChromiumDashboard(t *testing.T) {
	bin := monitorTool(t, "chromium", "chromium-browser")
	sw := startServeWorld(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()
	arts := artifactDir(t)

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("chromium: %s: %v", what, err)
		}
	}
	get := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("chromium: %s: %v", what, err)
		}
		return v
	}
	shoot := func() []byte {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Fatalf("chromium: screenshot: %v", err)
		}
		return b
	}
	step("open the dashboard with JavaScript off",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.Navigate(sw.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("table.domains")))
	index := get("read the table", chromedp.Text(chromedp.CSS("table.domains")))
	shotIndex := shoot()
	// Sort by domain: a plain link, no script.
	step("sort by domain",
		chromedp.Click(chromedp.Search(`//th/a[starts-with(normalize-space(.), "Domain")]`)),
		chromedp.WaitVisible(chromedp.Search(`//th/a[contains(., "Domain ▲")]`)))
	sorted := get("read the sorted table", chromedp.Text(chromedp.CSS("table.domains")))
	step("open a failing domain's page",
		chromedp.Navigate(sw.url+"/domain/tlsa-mismatch.mail.test"),
		chromedp.WaitVisible(chromedp.CSS("svg.chain")))
	title := get("title", chromedp.Title())
	page := get("heading", chromedp.Text(chromedp.CSS("h1")))
	failing := get("failing link", chromedp.TextContent(chromedp.CSS("svg.chain g.label.failing text")))
	failingNodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("svg.chain g.link.failing")))
	if err != nil {
		t.Fatalf("chromium: failing links: %v", err)
	}
	// The picture draws the zone cuts the validator crossed: the
	// domain's own zone as a box with the domain under it, and no box
	// for a parent name that is no zone (the TLSA owner's _tcp name).
	const zone = "zone:tlsa-mismatch.mail.test."
	zoneNodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("svg.chain g.node.zone")))
	if err != nil {
		t.Fatalf("chromium: zone boxes: %v", err)
	}
	var zones []string
	zoneText := ""
	for _, n := range zoneNodes {
		zones = append(zones, n.AttributeValue("data-id"))
		if zones[len(zones)-1] == zone {
			// Asked only when present: a query waits for its element.
			zoneText = get("zone box", chromedp.TextContent(chromedp.CSS(`svg.chain g.node.zone[data-id="`+zone+`"] text`)))
		}
	}
	linkNodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("svg.chain g.link")))
	if err != nil {
		t.Fatalf("chromium: links: %v", err)
	}
	shotPage := shoot()
	for name, shot := range map[string][]byte{"dashboard.png": shotIndex, "domain-tlsa-mismatch.png": shotPage} {
		p := filepath.Join(arts, name)
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", p, len(shot))
	}
	for _, s := range sw.mail.Scenarios {
		if !strings.Contains(index, s.Domain) {
			t.Errorf("the dashboard does not show %s", s.Domain)
		}
	}
	for _, word := range []string{"OK", "WARNING", "CRITICAL"} {
		if !strings.Contains(index, word) {
			t.Errorf("the dashboard shows no %s", word)
		}
	}
	if i, j := strings.Index(sorted, "addr-partial.mail.test"), strings.Index(sorted, "unprotected.mail.test"); i < 0 || j < 0 || i > j {
		t.Errorf("after clicking Domain the table is not sorted by domain:\n%s", sorted)
	}
	if !strings.Contains(page, "tlsa-mismatch.mail.test") || !strings.Contains(page, "CRITICAL") || !strings.Contains(title, "tlsa-mismatch.mail.test") {
		t.Errorf("the domain page heading is %q (title %q), want the domain and CRITICAL", page, title)
	}
	if !strings.Contains(failing, "✗") || len(failingNodes) < 1 {
		t.Errorf("the chain picture marks %d failing links, first text %q; want the failing link marked ✗", len(failingNodes), failing)
	}
	if zoneText != "zone tlsa-mismatch.mail.test." {
		t.Errorf("the zone box of %s reads %q", zone, zoneText)
	}
	for _, z := range zones {
		if strings.Contains(z, "_tcp") || strings.Contains(z, "mx1.") {
			t.Errorf("the chain picture draws %s as a zone, but it is no zone cut (zones %v)", z, zones)
		}
	}
	cut := false
	for _, n := range linkNodes {
		if n.AttributeValue("data-from") == zone && n.AttributeValue("data-to") == "tlsa-mismatch.mail.test." {
			cut = true
		}
	}
	if !cut || len(zones) < 2 {
		t.Errorf("the domain is not drawn under its zone %s (zones %v)", zone, zones)
	}
}
