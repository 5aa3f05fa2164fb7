# Sourced by every workload: runs scripts dropped into /run/inbox (by `docker cp`, from the host)
# in a subshell of the workload's own shell, without an exec of their own: the bench's way of
# injecting an attack into a workload's process tree after learning, as a remote code execution
# would, without `docker exec` (which would be news in itself).
done_list=""
inbox() {
    for f in /run/inbox/*.sh; do
        [ -f "$f" ] || continue
        case " $done_list " in *" $f "*) continue ;; esac
        done_list="$done_list $f"
        ( . "$f" ) &
    done
}
