package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/miekg/dns"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// The chain picture of a domain page: a layered drawing, top to bottom, of
// the DNSSEC zones a DANE sender validates from the trust anchor down
// (the zone cuts recorded on each lookup, delivery.Lookup.Zones), the
// domain, its MX hosts and their TLSA owners, each under the zone that
// holds it, then the addresses of each MX host and the leaf certificate
// each presented. Each link is drawn in the state of the step it stands
// for: ok, insecure (no DNSSEC: DANE does not apply) or failing (red,
// marked with a cross and the reason), so the failing link is visible at
// a glance and to a test.

// linkState is how a link of the chain is drawn.
type linkState string

const (
	linkOK       linkState = "ok"
	linkInsecure linkState = "insecure"
	linkFailing  linkState = "failing"
)

// svgNode is one box of the picture.
type svgNode struct {
	id, label, kind string // kind: zone, domain, mx, tlsa, address, cert
	state           linkState
	layer           int
	x, y, w         int
}

// svgEdge joins two boxes; label says why a failing link fails.
type svgEdge struct {
	from, to string
	state    linkState
	label    string
}

// chainGraph collects the boxes and links of one report.
type chainGraph struct {
	nodes map[string]*svgNode
	order []string
	edges []svgEdge
}

func (g *chainGraph) node(id, label, kind string, state linkState, layer int) *svgNode {
	if n, ok := g.nodes[id]; ok {
		return n
	}
	n := &svgNode{id: id, label: label, kind: kind, state: state, layer: layer}
	g.nodes[id] = n
	g.order = append(g.order, id)
	return n
}

func (g *chainGraph) edge(from, to string, state linkState, label string) {
	for _, e := range g.edges {
		if e.from == from && e.to == to {
			return
		}
	}
	g.edges = append(g.edges, svgEdge{from: from, to: to, state: state, label: label})
}

// lookupState is the link state of a validated lookup.
func lookupState(l delivery.Lookup) (linkState, string) {
	switch {
	case l.Error != "":
		return linkFailing, "lookup failed"
	case l.DNSSEC == dnssec.Secure:
		return linkOK, ""
	case l.DNSSEC == dnssec.Insecure:
		return linkInsecure, ""
	case l.DNSSEC == dnssec.Bogus:
		return linkFailing, "bogus: " + string(l.Reason)
	default:
		return linkFailing, "indeterminate"
	}
}

// zoneState is the link state of one zone of a chain of trust.
func zoneState(sec dnssec.Security) linkState {
	switch sec {
	case dnssec.Secure:
		return linkOK
	case dnssec.Insecure:
		return linkInsecure
	default:
		return linkFailing
	}
}

// enclosing returns the index in zones of the deepest zone that encloses
// name (strictly, when proper is set), or -1.
func enclosing(zones []delivery.ZoneLink, name string, proper bool) int {
	best, bestLabels := -1, -1
	for i, z := range zones {
		if proper && strings.EqualFold(z.Zone, name) {
			continue
		}
		if dns.IsSubDomain(z.Zone, name) {
			if n := dns.CountLabel(z.Zone); n > bestLabels {
				best, bestLabels = i, n
			}
		}
	}
	return best
}

// ownerPath draws the zones of l's chain of trust, each under the
// nearest enclosing zone of that chain (the zone cuts the validator
// crossed, not every parent name), then the owner name under the deepest
// zone that encloses it, no higher than layer floor. It returns the id of
// the owner's node, prefix+owner. A link into a zone is drawn in the
// zone's state: an insecure delegation is the insecure link at its cut,
// a bogus zone the failing link with the lookup's reason (written once);
// the link from the zone to the owner is drawn in the state of the
// answer itself.
func (g *chainGraph) ownerPath(l delivery.Lookup, owner, prefix, kind string, state linkState, why string, floor int) string {
	owner = dns.Fqdn(strings.ToLower(owner))
	id := prefix + owner
	if len(l.Zones) == 0 {
		// Older reports and lookups that failed before a chain was
		// walked: the picture claims no zone cut.
		p := g.node("zone:?", "chain of trust not recorded", "zone", linkInsecure, 0)
		n := g.node(id, owner, kind, state, max(floor, 1))
		g.edge(p.id, n.id, state, why)
		return n.id
	}
	marked := false // the reason is written once, on the first failing link
	for i, z := range l.Zones {
		zone := dns.Fqdn(strings.ToLower(z.Zone))
		zs := zoneState(z.Security)
		layer, parent := 0, ""
		if p := enclosing(l.Zones[:i], zone, true); p >= 0 {
			pz := dns.Fqdn(strings.ToLower(l.Zones[p].Zone))
			parent = "zone:" + pz
			if pn, ok := g.nodes[parent]; ok {
				layer = pn.layer + 1
			}
		}
		label := "zone " + zone
		if parent == "" {
			label += " (trust anchor)"
		}
		n := g.node("zone:"+zone, label, "zone", zs, layer)
		if parent == "" {
			continue
		}
		elabel := ""
		switch {
		case zs == linkInsecure:
			elabel = "insecure delegation"
		case zs == linkFailing && !marked:
			elabel, marked = why, true
			if elabel == "" {
				elabel = "bogus zone"
			}
		}
		g.edge(parent, n.id, zs, elabel)
	}
	zi := enclosing(l.Zones, owner, false)
	if zi < 0 {
		zi = len(l.Zones) - 1
	}
	zone := g.nodes["zone:"+dns.Fqdn(strings.ToLower(l.Zones[zi].Zone))]
	n := g.node(id, owner, kind, state, max(floor, zone.layer+1))
	if marked {
		why = ""
	}
	g.edge(zone.id, n.id, state, why)
	return n.id
}

// buildChain lays out the picture of r.
func buildChain(r *delivery.DomainReport) *chainGraph {
	g := &chainGraph{nodes: map[string]*svgNode{}}
	st, why := lookupState(r.MXLookup)
	dom := g.ownerPath(r.MXLookup, r.Domain, "", "domain", st, why, 0)
	type hostRef struct {
		id string
		mx *delivery.MXReport
	}
	var hosts []hostRef
	maxLayer := 0
	for i := range r.MX {
		m := &r.MX[i]
		var l delivery.Lookup
		switch {
		case m.A != nil && m.AAAA != nil:
			l = *m.A
			if m.AAAA.DNSSEC != dnssec.Secure || m.AAAA.Error != "" {
				l = *m.AAAA
			}
		case m.A != nil:
			l = *m.A
		case m.AAAA != nil:
			l = *m.AAAA
		default:
			l = delivery.Lookup{DNSSEC: m.DNSSEC}
		}
		hs, hwhy := lookupState(l)
		id := g.ownerPath(l, m.Host, "", "mx", hs, hwhy, g.nodes[dom].layer+1)
		g.edge(dom, id, linkOK, "MX")
		if m.Canonical != "" && !strings.EqualFold(dns.Fqdn(m.Canonical), dns.Fqdn(m.Host)) {
			// A CNAME'd host: the addresses belong to the target, drawn
			// under its own zone.
			cid := g.ownerPath(l, m.Canonical, "", "mx", hs, hwhy, g.nodes[id].layer+1)
			g.edge(id, cid, linkOK, "CNAME")
			id = cid
		}
		hosts = append(hosts, hostRef{id, m})
		if m.TLSA != nil {
			ts, twhy := lookupState(m.TLSA.Lookup)
			owner := dns.Fqdn(strings.ToLower(m.TLSA.Name))
			tid := g.ownerPath(m.TLSA.Lookup, owner, "tlsa:", "tlsa", ts, twhy, g.nodes[id].layer+1)
			tn := g.nodes[tid]
			tn.label = owner
			if len(m.TLSA.Records) > 0 {
				tn.label = fmt.Sprintf("%s TLSA %s", owner, m.TLSA.Records[0].String())
				if len(m.TLSA.Records) > 1 {
					tn.label += fmt.Sprintf(" (+%d)", len(m.TLSA.Records)-1)
				}
			} else if ts == linkOK {
				tn.label = owner + " (no TLSA)"
			}
			g.edge(id, tid, linkOK, "TLSA")
		}
	}
	for _, id := range g.order {
		maxLayer = max(maxLayer, g.nodes[id].layer)
	}
	for _, h := range hosts {
		m := h.mx
		for _, a := range m.Addresses {
			aid := "ip:" + m.Host + "/" + a.IP
			as, awhy := linkOK, ""
			if a.Error != "" {
				as, awhy = linkFailing, a.ErrorStage+" failed"
			} else if !a.STARTTLS {
				as, awhy = linkFailing, "no STARTTLS"
			}
			g.node(aid, a.IP, "address", as, maxLayer+1)
			g.edge(h.id, aid, as, awhy)
			if len(a.Chain) == 0 {
				continue
			}
			leaf := a.Chain[0]
			cs := linkOK
			cwhy := ""
			switch a.DANE {
			case delivery.AddressFailed:
				cs = linkFailing
				cwhy = string(a.DANEReason)
				if cwhy == "" {
					cwhy = "DANE failed"
				}
			case delivery.AddressNone, delivery.AddressUnusableTLSA:
				cs = linkInsecure
			}
			cid := "cert:" + aid
			g.node(cid, "cert "+shorten(leaf.Subject, 40)+" spki "+shorten(leaf.SPKISHA256, 12), "cert", cs, maxLayer+2)
			g.edge(aid, cid, linkOK, "presented")
			if m.TLSA != nil {
				label := "matches"
				if cs == linkFailing {
					label = cwhy
				} else if cs == linkInsecure {
					label = ""
				}
				g.edge("tlsa:"+dns.Fqdn(strings.ToLower(m.TLSA.Name)), cid, cs, label)
			}
		}
	}
	return g
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Sizes of the layout, in pixels.
const (
	svgRowHeight = 70
	svgBoxHeight = 26
	svgGap       = 14
	svgCharWidth = 7
	svgMargin    = 10
)

// chainSVG returns the inline SVG of r's chain. Every text is escaped.
func chainSVG(r *delivery.DomainReport) string {
	g := buildChain(r)
	layers := map[int][]*svgNode{}
	maxLayer := 0
	for _, id := range g.order {
		n := g.nodes[id]
		n.w = min(len([]rune(n.label)), 70)*svgCharWidth + 16
		layers[n.layer] = append(layers[n.layer], n)
		maxLayer = max(maxLayer, n.layer)
	}
	width := 0
	for _, ns := range layers {
		w := svgMargin
		for _, n := range ns {
			w += n.w + svgGap
		}
		width = max(width, w+svgMargin)
	}
	for l := 0; l <= maxLayer; l++ {
		ns := layers[l]
		total := 0
		for _, n := range ns {
			total += n.w + svgGap
		}
		x := (width - total) / 2
		for _, n := range ns {
			n.x, n.y = x, svgMargin+l*svgRowHeight
			x += n.w + svgGap
		}
	}
	height := svgMargin*2 + maxLayer*svgRowHeight + svgBoxHeight
	var b strings.Builder
	// Links first, then boxes, then the links' labels on top of both.
	type labelAt struct {
		x, y  int
		state linkState
		text  string
	}
	var labels []labelAt
	for _, e := range g.edges {
		f, t := g.nodes[e.from], g.nodes[e.to]
		if f == nil || t == nil {
			continue
		}
		x1, y1 := f.x+f.w/2, f.y+svgBoxHeight
		x2, y2 := t.x+t.w/2, t.y
		fmt.Fprintf(&b, `<g class="link %s" data-from="%s" data-to="%s">`, e.state, html.EscapeString(e.from), html.EscapeString(e.to))
		if e.label != "" {
			fmt.Fprintf(&b, `<title>%s → %s: %s</title>`, html.EscapeString(e.from), html.EscapeString(e.to), html.EscapeString(e.label))
		}
		mx, my := (x1+x2)/2, (y1+y2)/2
		if t.layer-f.layer > 1 {
			// A link over a layer (TLSA record to certificate) bends to
			// the right, around the boxes between.
			cx := max(x1, x2) + svgRowHeight*(t.layer-f.layer)
			fmt.Fprintf(&b, `<path d="M%d %d Q%d %d %d %d" fill="none"/>`, x1, y1, cx, my, x2, y2)
			mx = (x1 + 2*cx + x2) / 4
		} else {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d"/>`, x1, y1, x2, y2)
		}
		b.WriteString(`</g>`)
		if e.label != "" {
			mark := ""
			if e.state == linkFailing {
				mark = "✗ "
			}
			text := mark + shorten(e.label, 40)
			labels = append(labels, labelAt{mx + 4, my + 4, e.state, text})
			width = max(width, mx+4+len([]rune(text))*svgCharWidth+svgMargin)
		}
	}
	for _, id := range g.order {
		n := g.nodes[id]
		fmt.Fprintf(&b, `<g class="node %s %s" data-id="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="4"/><text x="%d" y="%d">%s</text></g>`,
			n.kind, n.state, html.EscapeString(n.id), n.x, n.y, n.w, svgBoxHeight, n.x+8, n.y+17, html.EscapeString(shorten(n.label, 70)))
	}
	for _, l := range labels {
		fmt.Fprintf(&b, `<g class="label %s"><rect x="%d" y="%d" width="%d" height="16" rx="2"/><text x="%d" y="%d">%s</text></g>`,
			l.state, l.x-2, l.y-12, len([]rune(l.text))*svgCharWidth+4, l.x, l.y, html.EscapeString(l.text))
	}
	b.WriteString(`</svg>`)
	var head strings.Builder
	fmt.Fprintf(&head, `<svg class="chain" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="chain of trust of %s">`,
		width, height, width, height, html.EscapeString(r.Domain))
	head.WriteString(`<title>Chain of trust: DNSSEC zones validated from the trust anchor, MX hosts, TLSA records, addresses and presented certificates</title>`)
	return head.String() + b.String()
}
