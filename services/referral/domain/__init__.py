"""Pure domain of the referral service: plain Python, no I/O, time always an argument.

- `case`, `state`, `changes`, `errors`: the case and referral state machines and their changes.
- `agency_actions`: an agency's answers (accept, progress, resolve, reject, return) on them.
- `attention`: why a case waits in the back-office queue.
- `agencies`, `routing_rules`, `routing`, `codes`: who must act (data: `agencies_demo.json`,
  `routing_rules_v1.json`).
- `sla`, `sla_clock`, `workdays`, `zones`: due times in Indonesian working days and local time
  (data: `sla_policy_v1.json`).
- `monitoring`: the figures over referral records.
"""
