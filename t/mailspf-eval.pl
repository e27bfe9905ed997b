#!/usr/bin/perl
# mailspf-eval.pl: run Mail::SPF (libmail-spf-perl) on SPF checks read
# from stdin, one JSON object a line, and print one JSON object a line
# with its answer, in the same order.  Used by t/diff-spf.py and
# t/spf-suite.py, so that one Perl process answers many checks (starting
# Perl and loading Mail::SPF for each of 250 scenarios would take longer
# than the checks).
#
# Input keys:  port (of the t/dnsd.py on 127.0.0.1 to ask), scope (mfrom
#              or helo), identity (the mailbox or HELO name checked), ip,
#              helo (optional, "" for none), receiver (optional),
#              defexp (the default explanation for fail).
# Output keys: result (Mail::SPF's result code, or "exception" when
#              Mail::SPF dies instead of giving a result), exp (for fail,
#              the explanation; for an exception, its message without
#              Perl's " at FILE line N."), text (the local explanation),
#              header (the Received-SPF field, Mail::SPF's formatting).
use strict;
use warnings;
use JSON::PP;
use Mail::SPF;
use Net::DNS::Resolver;

my $json = JSON::PP->new->utf8(0)->canonical;
$| = 1;
while (my $line = <STDIN>) {
	next if $line =~ /^\s*$/;
	my $q = $json->decode($line);
	my %r = (result => '', exp => '', text => '', header => '');
	eval {
		# Only the test's server, no search list, short timeouts: a
		# dropped query (TIMEOUT in the test data) costs one second.
		my $res = Net::DNS::Resolver->new(
			nameservers => ['127.0.0.1'], port => $q->{port},
			udp_timeout => 1, tcp_timeout => 1, retry => 1,
			retrans => 1, searchlist => [], defnames => 0,
			dnsrch => 0);
		my %o = (dns_resolver => $res,
			default_authority_explanation => $q->{defexp});
		$o{hostname} = $q->{receiver}
			if defined $q->{receiver} && $q->{receiver} ne '';
		my $srv = Mail::SPF::Server->new(%o);
		my %rq = (versions => [1], scope => $q->{scope},
			identity => $q->{identity}, ip_address => $q->{ip});
		$rq{helo_identity} = $q->{helo}
			if defined $q->{helo} && $q->{helo} ne '';
		my $req = Mail::SPF::Request->new(%rq);
		my $result = $srv->process($req);
		$r{result} = $result->code;
		$r{exp} = $result->isa('Mail::SPF::Result::Fail')
			? $result->authority_explanation : '';
		$r{text} = $result->local_explanation;
		$r{header} = $result->received_spf_header;
	};
	if ($@) {
		(my $e = "$@") =~ s/ at \S+ line \d+\.?\s*$//s;
		%r = (result => 'exception', exp => $e, text => '',
			header => '');
	}
	print $json->encode(\%r), "\n";
}
