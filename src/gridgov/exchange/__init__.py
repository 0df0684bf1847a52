"""Exchange with the outside world (对外交换): the city's 12345 platform, case files in and out, webhooks.

- `models.WorkOrder`: an outside work order number behind a case (dedupes imports and the 12345 pull).
- `outbound`: HTTP JSON messages to outside systems, delivered in order per case with retries and a log
  (the 12345 pushes and the webhooks both go through it).
- `hotline/`: the 12345 adapter (pull, push, field mapping) and the simulated city platform.
- `files.py`: `gridgov cases import|export` (CSV, Excel).
- `webhooks.py`: signed subscriptions to case events.
"""
