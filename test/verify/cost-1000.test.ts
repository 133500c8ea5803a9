import { describeCost } from "./cost-shared";

describeCost(1000);
