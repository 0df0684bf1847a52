"""The city's 12345 platform adapter (市民热线对接): pull work orders in, push what happens to them back.

- `config`: where the city platform is and how its fields map to ours (configuration, not code).
- `pull`: new orders → cases through exchange.orders.receive_order (one per order number, ever);
  orders that cannot be placed in the district go back (退回) with the reason.
- `push`: case events of those cases → outbound messages to the city (受理, 退回, 进展, 答复, 办结), in
  order per order; the city refusing a reply withdraws it from the case (句号管理 then waits for a new one).
- `city`: a simulated city platform (tests and `gridgov demo --with-12345`).
"""
