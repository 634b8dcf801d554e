package testworld_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"

	"github.com/daneprobe/daneprobe/internal/testworld"
)

func ExampleStartSMTP() {
	// An MX that hides STARTTLS in its EHLO reply but accepts the command,
	// listening on its own loopback address (port 0: any free port).
	srv, err := testworld.StartSMTP(testworld.SMTPOptions{
		Addr:     "127.0.0.11:0",
		Kind:     testworld.SMTPHiddenStartTLS,
		Hostname: "mx1.example.net",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	banner, _ := r.ReadString('\n')
	fmt.Println(strings.TrimSpace(banner))
	fmt.Fprint(c, "STARTTLS\r\n")
	reply, _ := r.ReadString('\n')
	fmt.Println(strings.TrimSpace(reply))
	fmt.Println("connections:", srv.Stats().Total)
	// Output:
	// 220 mx1.example.net ESMTP testworld
	// 220 2.0.0 ready to start TLS
	// connections: 1
}
