# DESIGN.md "Layout": nothing in common/ prints, exits (except on
# out-of-memory) or reads stdin.  The named exceptions are the helpers the
# programs share so that each message is written once: util's message
# functions (debug, warn, error, syserror) and cli's (usage error,
# --version, closing stdout, the verifiers' DNS setup, batch and filter
# steps).  They print but never exit, and only cmd/ calls them
# (common/util.h, common/cli.h).
. "${SOURCE:-t}/lib.sh"

plan 4
common=$SOURCE/../common
cd "$common" || exit 1

# Every exit() in common/ is the x-allocators' out-of-memory one.
grep -nE '(^|[^_[:alnum:]])(exit|_exit|abort)[[:space:]]*\(' *.c > "$T/exits"
is "util.c" "$(cut -d: -f1 "$T/exits" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
    "exit() only in util.c"
is 1 "$(wc -l < "$T/exits" | tr -d ' ')" "one exit(): out of memory"
sed 's/^/#   /' "$T/exits"

# No stdio output and no stdin outside util.c and cli*.c (the programs'
# helpers: cli.h says they print and only cmd/ calls them).
others=$(ls *.c | grep -v -e '^util\.c$' -e '^cli\.c$' -e '^cli_batch\.c$' -e '^cli_filter\.c$' -e '^cli_dns\.c$' -e '^cli_dns_new\.c$')
grep -nE '(^|[^_[:alnum:]])(printf|fprintf|vfprintf|puts|fputs|putchar|perror)[[:space:]]*\(|(^|[^_[:alnum:]])std(in|out|err)([^_[:alnum:]]|$)|STDIN_FILENO' \
    $others > "$T/prints"
is "" "$(cat "$T/prints")" "common/ modules do not print or read stdin"

# The programs' helpers are not called from common/.
grep -nE '(^|[^_[:alnum:].>])(debug|warn|error|syserror|cli_check_options|cli_parse_options|cli_usage_error|cli_finish_output|cli_check_verify_options|cli_dns_setup|cli_batch|cli_filter_read|cli_msg_unusable|cli_write_filtered)\(' \
    $others > "$T/calls"
is "" "$(cat "$T/calls")" "common/ modules do not call the programs' message helpers"
