#!/bin/bash
pid=$1; shift
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
out=$(taskset -c 0 wrk "$@")
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
reqs=$(echo "$out" | grep "requests in" | awk '{print $1}')
rps=$(echo "$out" | grep "Requests/sec" | awk '{print $2}')
non=$(echo "$out" | grep "Non-2xx" | awk '{print $NF}')
echo "reqs=$reqs rps=$rps non2xx=${non:-0} cpu_us_per_req=$(python3 -c "print(round(($t1-$t0)/$(getconf CLK_TCK)*1e6/$reqs,1))")"
