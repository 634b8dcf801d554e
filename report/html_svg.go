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
// the names a DANE sender validates from the root down (the domain, its
// MX hosts and their TLSA owners, each under its parent names), then the
// addresses of each MX host and the leaf certificate each presented. Each
// link is drawn in the state of the step it stands for: ok, insecure (no
// DNSSEC: DANE does not apply) or failing (red, marked with a cross and
// the reason), so the failing link is visible at a glance and to a test.

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

// namePath adds the names from the root down to name (absolute) and
// returns the id of name's node. Every ancestor is drawn as a name the
// validator passes on its way down; the picture does not claim where the
// zone cuts are.
func (g *chainGraph) namePath(name, kind string, state linkState, why string) string {
	name = dns.Fqdn(strings.ToLower(name))
	labels := dns.SplitDomainName(name)
	parent := g.node(".", ". (root, trust anchor)", "zone", linkOK, 0).id
	for i := len(labels) - 1; i >= 0; i-- {
		sub := dns.Fqdn(strings.Join(labels[i:], "."))
		k, st, label := "zone", linkOK, sub
		if i == 0 {
			k, st = kind, state
		}
		n := g.node(sub, label, k, st, len(labels)-i)
		if i == 0 && n.kind == "zone" {
			// a name already drawn as a parent is also this kind
			n.kind, n.state = kind, state
		}
		es, elabel := linkOK, ""
		if i == 0 {
			es, elabel = state, why
		}
		g.edge(parent, n.id, es, elabel)
		parent = n.id
	}
	return parent
}

// buildChain lays out the picture of r.
func buildChain(r *delivery.DomainReport) *chainGraph {
	g := &chainGraph{nodes: map[string]*svgNode{}}
	st, why := lookupState(r.MXLookup)
	dom := g.namePath(r.Domain, "domain", st, why)
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
		id := g.namePath(m.Host, "mx", hs, hwhy)
		g.edge(dom, id, linkOK, "MX")
		hosts = append(hosts, hostRef{id, m})
		if m.TLSA != nil {
			ts, twhy := lookupState(m.TLSA.Lookup)
			owner := dns.Fqdn(strings.ToLower(m.TLSA.Name))
			label := owner
			if len(m.TLSA.Records) > 0 {
				label = fmt.Sprintf("%s TLSA %s", owner, m.TLSA.Records[0].String())
				if len(m.TLSA.Records) > 1 {
					label += fmt.Sprintf(" (+%d)", len(m.TLSA.Records)-1)
				}
			} else if ts == linkOK {
				label = owner + " (no TLSA)"
			}
			tn := g.node("tlsa:"+owner, label, "tlsa", ts, g.nodes[id].layer+1)
			g.edge(id, tn.id, ts, twhy)
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
		fmt.Fprintf(&b, `<g class="node %s %s"><rect x="%d" y="%d" width="%d" height="%d" rx="4"/><text x="%d" y="%d">%s</text></g>`,
			n.kind, n.state, n.x, n.y, n.w, svgBoxHeight, n.x+8, n.y+17, html.EscapeString(shorten(n.label, 70)))
	}
	for _, l := range labels {
		fmt.Fprintf(&b, `<g class="label %s"><rect x="%d" y="%d" width="%d" height="16" rx="2"/><text x="%d" y="%d">%s</text></g>`,
			l.state, l.x-2, l.y-12, len([]rune(l.text))*svgCharWidth+4, l.x, l.y, html.EscapeString(l.text))
	}
	b.WriteString(`</svg>`)
	var head strings.Builder
	fmt.Fprintf(&head, `<svg class="chain" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="chain of trust of %s">`,
		width, height, width, height, html.EscapeString(r.Domain))
	head.WriteString(`<title>Chain of trust: names validated from the root, MX hosts, TLSA records, addresses and presented certificates</title>`)
	return head.String() + b.String()
}
