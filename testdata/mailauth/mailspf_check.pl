#!/usr/bin/perl
# check_host() by Mail::SPF (libmail-spf-perl) for the interop test of
# package mailauth: ARGV[0] is the DNS server as HOST:PORT; stdin holds
# one case per line, "IP SENDER DOMAIN"; stdout one line per case, the
# result code. Only the given server is asked.
use strict;
use warnings;
use Net::DNS::Resolver;
use Mail::SPF;

my ($host, $port) = split /:/, $ARGV[0];
my $res = Net::DNS::Resolver->new(nameservers => [$host], port => $port, recurse => 1, tcp_timeout => 10, udp_timeout => 10);
my $server = Mail::SPF::Server->new(dns_resolver => $res);
$| = 1;
while (my $line = <STDIN>) {
    chomp $line;
    my ($ip, $sender, $domain) = split ' ', $line;
    my $req = Mail::SPF::Request->new(scope => 'mfrom', identity => $sender, ip_address => $ip);
    my $result = $server->process($req);
    print $result->code, "\n";
}
