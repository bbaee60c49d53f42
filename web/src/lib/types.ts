// Response shapes of the API operations the dashboard reads (openapi/seed.yaml + additions).
export interface Serie {
  values: number[];
  sum: number;
  mean: number;
  min: number;
  max: number;
  labels?: Record<string, string>;
}

export interface SeriesData {
  series: Serie[];
  series_labels: string[];
  x_values: string[];
}

export interface SeriesResponse {
  data: SeriesData;
}

export interface TokenInfo {
  token_id: string;
  team_id: string;
  scopes: string[];
}

export interface Pagination {
  start_cursor?: string;
  end_cursor?: string;
  has_more?: boolean;
  has_next_page?: boolean;
  has_previous_page?: boolean;
}
