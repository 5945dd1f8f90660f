#!/usr/bin/perl
# Perl's own environment management under envsafe: Perl replaces environ
# with an array it allocates (see perl_env_race.pl), so the library has to
# adopt whatever `environ` points to.  Every line printed here must be the
# same on stock libc and under `envsafe run`.
use strict;
use warnings;
use POSIX ();

# What a child process sees of the variables under test.
sub child_view {
	my @seen = grep { /^ENVSAFE_T_/ } split /\n/, `/usr/bin/env`;
	return join(" ", sort @seen) || "(none)";
}

sub say_line { print join(" ", @_), "\n" }

$ENV{ENVSAFE_T_A} = "1";
$ENV{ENVSAFE_T_B} = "two words";
say_line "set:", child_view();

$ENV{ENVSAFE_T_A} = "overwritten";
delete $ENV{ENVSAFE_T_B};
say_line "overwrite+delete:", child_view();

{
	local $ENV{ENVSAFE_T_LOCAL} = "inside";
	say_line "local:", child_view();
}
say_line "after local:", child_view();

# Many names at once make Perl grow (and move) its array.
$ENV{"ENVSAFE_T_N$_"} = $_ for 100 .. 199;
my @many = grep { /^ENVSAFE_T_N/ } split /\n/, `/usr/bin/env`;
say_line "hundred names:", scalar(@many);
delete $ENV{"ENVSAFE_T_N$_"} for 100 .. 199;
say_line "hundred deleted:", child_view();

# system with a list, a pipe open and fork+exec take different exec paths.
$ENV{ENVSAFE_T_PATH} = "exec";
system("/bin/sh", "-c", 'echo "system: $ENVSAFE_T_PATH"') == 0 or die "system failed\n";
open my $pipe, "-|", "/bin/sh", "-c", 'echo "pipe: $ENVSAFE_T_PATH"' or die "pipe: $!\n";
print <$pipe>;
close $pipe;
STDOUT->flush;
my $pid = fork // die "fork: $!\n";
if ($pid == 0) {
	$ENV{ENVSAFE_T_PATH} = "forked child";
	exec "/bin/sh", "-c", 'echo "fork+exec: $ENVSAFE_T_PATH"' or POSIX::_exit(127);
}
waitpid($pid, 0);
say_line "parent after fork:", $ENV{ENVSAFE_T_PATH};

# The C library reads TZ from the array Perl manages.
for my $tz ("ABC+3", "XYZ-5") {
	$ENV{TZ} = $tz;
	POSIX::tzset();
	say_line "TZ=$tz:", POSIX::strftime("%H:%M %Z", localtime(0));
}

# setlocale(LC_ALL, "") resolves the locale from LC_ALL as Perl set it.
$ENV{LC_ALL} = "C.UTF-8";
say_line "setlocale from LC_ALL:", POSIX::setlocale(POSIX::LC_ALL(), "") // "undef";
$ENV{LC_ALL} = "C";
say_line "setlocale from LC_ALL:", POSIX::setlocale(POSIX::LC_ALL(), "") // "undef";

# Assigning the whole hash rebuilds the environment from scratch.
%ENV = (ENVSAFE_T_ONLY => "alone", PATH => "/usr/bin:/bin");
say_line "hash assigned:", child_view();
say_line "names left:", join(",", sort keys %ENV);

open my $maps, "<", "/proc/self/maps" or die "/proc/self/maps: $!\n";
my $mapped = grep { /libenvsafe\.so/ } <$maps>;
print "libenvsafe=", ($mapped ? "yes" : "no"), "\n";
