package tlsrpt

// Limits bound the work and memory that reading reports may take. Reports
// arrive by mail from anyone who knows the rua= address, so every size and
// count is bounded; what exceeds a bound is reported as a broken input and
// skipped. A zero field takes its default.
type Limits struct {
	// MaxReportBytes bounds one report's JSON after decompression
	// (DefaultMaxReportBytes): the defence against gzip bombs.
	MaxReportBytes int64
	// MaxCompressedBytes bounds one gzip stream before decompression
	// and one file or standard input read as a report
	// (DefaultMaxCompressedBytes).
	MaxCompressedBytes int64
	// MaxMessageBytes bounds one e-mail message, in a file, a Maildir or
	// an mbox (DefaultMaxMessageBytes).
	MaxMessageBytes int64
	// MaxDepth bounds the nesting of JSON arrays and objects
	// (DefaultMaxDepth); a report needs 5.
	MaxDepth int
	// MaxObjects bounds the JSON objects in one report (DefaultMaxObjects),
	// checked before any is decoded.
	MaxObjects int
	// MaxPolicies bounds the "policies" of one report
	// (DefaultMaxPolicies).
	MaxPolicies int
	// MaxFailureDetails bounds the "failure-details" of one report,
	// over all its policies (DefaultMaxFailureDetails).
	MaxFailureDetails int
	// MaxParts bounds the MIME parts of one message (DefaultMaxParts).
	MaxParts int
	// MaxInputs bounds the inputs read in one run: files and the
	// messages of mbox files (DefaultMaxInputs); the reports of one
	// message are bounded by MaxParts. Reading stops there, with a
	// problem saying so.
	MaxInputs int
}

// Defaults of Limits. Real reports are a few kilobytes; the largest that
// big senders mail are well under a megabyte.
const (
	DefaultMaxReportBytes     = 8 << 20
	DefaultMaxCompressedBytes = 8 << 20
	DefaultMaxMessageBytes    = 16 << 20
	DefaultMaxDepth           = 16
	DefaultMaxObjects         = 200_000
	DefaultMaxPolicies        = 10_000
	DefaultMaxFailureDetails  = 100_000
	DefaultMaxParts           = 64
	DefaultMaxInputs          = 1_000_000
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	defi := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxReportBytes, DefaultMaxReportBytes)
	def(&l.MaxCompressedBytes, DefaultMaxCompressedBytes)
	def(&l.MaxMessageBytes, DefaultMaxMessageBytes)
	defi(&l.MaxDepth, DefaultMaxDepth)
	defi(&l.MaxObjects, DefaultMaxObjects)
	defi(&l.MaxPolicies, DefaultMaxPolicies)
	defi(&l.MaxFailureDetails, DefaultMaxFailureDetails)
	defi(&l.MaxParts, DefaultMaxParts)
	defi(&l.MaxInputs, DefaultMaxInputs)
	return l
}
