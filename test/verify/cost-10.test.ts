import { describeCost } from "./cost-shared";

describeCost(10);
