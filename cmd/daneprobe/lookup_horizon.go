package main

import (
	"fmt"
	"io"
	"time"

	"github.com/daneprobe/daneprobe/delivery"
	"github.com/daneprobe/daneprobe/dnssec"
)

// horizonsOf judges the signature horizons of a lookup as of at, with
// check's default --sig-warn: the same rule and numbers as check. Never
// nil, so that the JSON has an array.
func horizonsOf(res *dnssec.Result, at time.Time) []delivery.SignatureHorizon {
	out := []delivery.SignatureHorizon{}
	for _, h := range res.Horizons() {
		out = append(out, delivery.JudgeSignature(h, at, 0))
	}
	return out
}

// writeHorizonsText prints when the first signature expires, a warning
// line for each one check would warn about, and with trace every
// horizon, the first to expire first.
func writeHorizonsText(w io.Writer, hs []delivery.SignatureHorizon, trace bool) {
	if len(hs) == 0 {
		return
	}
	left := func(h delivery.SignatureHorizon) string {
		return delivery.HumanDuration(time.Duration(h.SecondsLeft) * time.Second)
	}
	fmt.Fprintf(w, "; signatures: the first expires in %s (%s %s, zone %s); %d RRsets validated\n", left(hs[0]), hs[0].Owner, hs[0].Type, hs[0].Signer, len(hs))
	for _, h := range hs {
		if h.Level != delivery.LevelOK {
			fmt.Fprintf(w, "; warning: %s: the signature of %s %s by zone %s expires %s, in %s (%s)\n", h.Level, h.Owner, h.Type, h.Signer,
				h.Expiration.UTC().Format(time.RFC3339), left(h), h.Why)
		}
	}
	if !trace {
		return
	}
	fmt.Fprintln(w, "; signature horizons:")
	for _, h := range hs {
		fmt.Fprintf(w, ";   %s %s by zone %s (key %d) expires %s, in %s: %s\n", h.Owner, h.Type, h.Signer, h.KeyTag,
			h.Expiration.UTC().Format(time.RFC3339), left(h), h.Level)
	}
}
