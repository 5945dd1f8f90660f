#!/usr/bin/perl
# Perl: the main interpreter rewrites %ENV while ithreads format times with
# POSIX::strftime, which calls mktime and so tzset -> getenv("TZ") inside
# glibc without Perl's environment lock.
#
# Perl does not call setenv: it copies environ into an array it allocates
# itself, reallocs that array to add a name and frees the strings it
# replaces or deletes.  Values of varying length keep the heap moving, so
# the array's reallocs move it and a reader may walk a freed copy.  Those
# frees are Perl's own, which no setenv replacement sees: see README for
# what that means under envsafe.
use strict;
use warnings;
use threads;
use threads::shared;
use POSIX ();
use Time::HiRes ();

my $seconds = shift // 1.5;
POSIX::setlocale(POSIX::LC_ALL(), "C.UTF-8") or die "setlocale(C.UTF-8) failed\n";
my $stop :shared = 0;
my @fail :shared;

my @readers = map {
	threads->create(sub {
		my $n = 0;
		until ($stop) {
			my $s = POSIX::strftime("%Y-%m-%d %Z", localtime(1700000000));
			if ($s !~ /^2023-11-1[45] /) {
				push @fail, "strftime gave '$s'";
				last;
			}
			$n++;
		}
		return $n;
	})
} 1 .. 3;

$ENV{ENVSAFE_COMPAT_KEEP} = "kept";
my $deadline = Time::HiRes::time() + $seconds;
my $rounds = 0;
while (Time::HiRes::time() < $deadline) {
	$ENV{"ENVSAFE_COMPAT_$_"} = "x" x ($rounds % 200) for 0 .. 63;
	delete $ENV{"ENVSAFE_COMPAT_$_"} for 0 .. 63;
	$rounds++;
}
$stop = 1;
my $calls = 0;
$calls += $_->join // 0 for @readers;

push @fail, "the environment lost a write"
	if ($ENV{ENVSAFE_COMPAT_KEEP} // "") ne "kept" || exists $ENV{ENVSAFE_COMPAT_0};
my $child = `/usr/bin/env`;
push @fail, "a child did not inherit ENVSAFE_COMPAT_KEEP=kept"
	unless $child =~ /^ENVSAFE_COMPAT_KEEP=kept$/m;

open my $maps, "<", "/proc/self/maps" or die "/proc/self/maps: $!\n";
my $mapped = grep { /libenvsafe\.so/ } <$maps>;
print "FAIL: $_\n" for @fail;
print "libenvsafe=", ($mapped ? "yes" : "no"), "\n";
print "rounds=$rounds\n";
print "reader_calls=$calls\n";
exit(@fail ? 1 : 0);
