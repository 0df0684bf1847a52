import time

from django.core.management.base import BaseCommand

from gridgov.sim.hotline import city_orders, start_city


class Command(BaseCommand):
    help = "Serve the simulated city 12345 platform with demo work orders (started by `gridgov demo --with-12345`)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8012)
        parser.add_argument("--token", required=True)
        parser.add_argument("--orders", type=int, default=20, help="orders waiting at start")
        parser.add_argument("--every", type=float, default=60.0, help="seconds between new orders (0: none)")

    def handle(self, *args, port, token, orders, every, **options):
        city = start_city(token=token, port=port, orders=orders)
        self.stdout.write(f"simulated 12345 platform on {city.url} ({orders} orders waiting)")
        self.stdout.flush()
        made = orders
        while True:
            time.sleep(every or 3600)
            if every:
                made += 1
                for order in city_orders(count=1, seed=made, first=made):
                    city.add_order(order)
